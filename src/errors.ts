import type { ZodError } from 'zod';

/**
 * Domain errors with stable codes. The HTTP layer maps them to problem+json, the device layer to
 * rejected acknowledgements; this file imports neither.
 */
export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  readonly extensions: Record<string, unknown>;

  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(detail);
    this.name = new.target.name;
    this.extensions = extensions;
  }
}

export interface FieldError {
  in: 'body' | 'query' | 'path' | 'header';
  field: string;
  detail: string;
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly code = 'validation-failed';
  constructor(
    detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail, { errors });
  }
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly code = 'unauthorized';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = 'forbidden';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'not-found';
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly code: string = 'conflict';
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly code = 'unsupported-media-type';
}

export class UnprocessableError extends AppError {
  readonly status = 422;
  readonly code = 'unprocessable';
}

export class TooManyRequestsError extends AppError {
  readonly status = 429;
  readonly code = 'too-many-requests';
  constructor(
    detail: string,
    readonly retryAfterSeconds: number,
  ) {
    super(detail);
  }
}

export class UnavailableError extends AppError {
  readonly status = 503;
  readonly code = 'unavailable';
}

/** A command that the item's current state does not allow: names the state and what is allowed. */
export class InvalidTransitionError extends ConflictError {
  override readonly code = 'invalid-transition';
  constructor(itemCode: string, command: string, state: string, allowed: readonly string[]) {
    super(
      `item ${itemCode} is ${state}: ${command} is not allowed; allowed now: ${allowed.length ? allowed.join(', ') : 'nothing (terminal state)'}`,
      { itemCode, command, state, allowed },
    );
  }
}

/** A zod failure as the list of fields and what is wrong with each. */
export function zodFieldErrors(where: FieldError['in'], error: ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    in: where,
    field: issue.path.length ? issue.path.map(String).join('.') : '(root)',
    detail: issue.message,
  }));
}
