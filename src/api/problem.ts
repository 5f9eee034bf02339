import type { ErrorRequestHandler, Request, Response } from 'express';
import {
  DriverException,
  ForeignKeyConstraintViolationException,
  NotFoundError as OrmNotFoundError,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { AppError, TooManyRequestsError } from '../errors';

/** Problem types are stable URNs; the README lists them. */
export const problemType = (code: string) => `urn:custody:problem:${code}`;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  [extension: string]: unknown;
}

export function sendProblem(
  req: Request,
  res: Response,
  status: number,
  code: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): void {
  const body: Problem = {
    type: problemType(code),
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: req.originalUrl,
    requestId: String(req.id ?? ''),
    ...extensions,
  };
  res.status(status).type('application/problem+json').json(body);
}

// Errors raised by body-parser carry a `type`; these are the client's fault and say so.
const PARSER_ERRORS: Record<string, { status: number; code: string; detail: string }> = {
  'entity.parse.failed': { status: 400, code: 'malformed-json', detail: 'the request body is not valid JSON' },
  'entity.too.large': { status: 413, code: 'body-too-large', detail: 'the request body is larger than allowed' },
  'encoding.unsupported': {
    status: 415,
    code: 'unsupported-encoding',
    detail: 'the content encoding is not supported',
  },
  'charset.unsupported': { status: 415, code: 'unsupported-charset', detail: 'only UTF-8 JSON is accepted' },
  'request.aborted': { status: 400, code: 'request-aborted', detail: 'the request was aborted by the client' },
};

const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03']);

// knex reports a transaction whose connection died under it as "Transaction query already complete".
const LOST_CONNECTION =
  /Knex: Timeout acquiring a connection|Connection terminated|Connection ended unexpectedly|not queryable|Transaction query already complete/i;

function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string };
  return CONNECTION_ERROR_CODES.has(String(e?.code)) || (e instanceof Error && LOST_CONNECTION.test(e.message));
}

export const problemHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (res.headersSent) {
    req.log.error({ err }, 'error after the response started');
    res.destroy();
    return;
  }
  if (err instanceof AppError) {
    if (err instanceof TooManyRequestsError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    sendProblem(req, res, err.status, err.code, err.message, err.extensions);
    return;
  }
  const parserError = typeof err?.type === 'string' ? PARSER_ERRORS[err.type] : undefined;
  if (parserError) {
    sendProblem(req, res, parserError.status, parserError.code, parserError.detail);
    return;
  }
  if (err instanceof UniqueConstraintViolationException) {
    sendProblem(req, res, 409, 'already-exists', 'a record with the same unique value already exists');
    return;
  }
  if (err instanceof ForeignKeyConstraintViolationException) {
    sendProblem(req, res, 422, 'unknown-reference', 'the request refers to a record that does not exist');
    return;
  }
  if (err instanceof OrmNotFoundError) {
    sendProblem(req, res, 404, 'not-found', 'no such record');
    return;
  }
  if (isDatabaseUnavailable(err) || (err instanceof DriverException && isDatabaseUnavailable(err.cause))) {
    req.log.warn({ err: { message: err.message, code: err.code } }, 'database unavailable');
    res.setHeader('Retry-After', '5');
    sendProblem(req, res, 503, 'database-unavailable', 'the database is not reachable; try again shortly');
    return;
  }
  req.log.error({ err }, 'unhandled error');
  sendProblem(req, res, 500, 'internal', 'an unexpected error occurred; it has been logged with the request id');
};
