import type { ErrorRequestHandler, Request, Response } from 'express';
import {
  ForeignKeyConstraintViolationException,
  NotFoundError as OrmNotFoundError,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { AppError, TooManyRequestsError } from '../errors';
import { databaseUnavailable } from '../database-errors';

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

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

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
    // The body parser says how much it allows: a client that sent too much is told the limit.
    const limit = err.type === 'entity.too.large' && Number.isFinite(err.limit) ? ` (${err.limit} bytes)` : '';
    sendProblem(req, res, parserError.status, parserError.code, `${parserError.detail}${limit}`);
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
  const unavailable = databaseUnavailable(err);
  if (unavailable) {
    req.log.warn({ err: { message: err.message, code: err.code } }, 'database unavailable');
    res.setHeader('Retry-After', '5');
    const detail =
      unavailable === 'lost' && !READS.has(req.method)
        ? 'the connection to the database was lost while this request ran (the database stopped, or is failing over ' +
          'to its standby): it may or may not have been carried out; send it again with the same Idempotency-Key ' +
          'to learn which, or look before repeating it'
        : 'the database is not reachable (stopped, or failing over to its standby); try again shortly';
    sendProblem(req, res, 503, 'database-unavailable', detail);
    return;
  }
  req.log.error({ err }, 'unhandled error');
  sendProblem(req, res, 500, 'internal', 'an unexpected error occurred; it has been logged with the request id');
};
