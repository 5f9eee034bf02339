import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z, type ZodType } from 'zod';
import { UnsupportedMediaTypeError, ValidationError, zodFieldErrors, type FieldError } from '../errors';
import { findUnsafeText } from '../custody/unsafe-text';
import type { Role } from '../custody/directory/user.entity';
import { requireOwnPassword, requireRole, type Caller } from './auth';

export type Access = 'public' | 'authenticated' | readonly Role[];

export interface ResponseSpec {
  description: string;
  schema?: ZodType;
  /** Defaults to application/json when a schema is given. */
  contentType?: string;
}

type Infer<S> = S extends ZodType ? z.output<S> : undefined;

export interface RouteContext<P, Q, B, A extends Access> {
  req: Request;
  res: Response;
  params: Infer<P>;
  query: Infer<Q>;
  body: Infer<B>;
  caller: A extends 'public' ? undefined : Caller;
}

export interface RouteSpec<
  P extends ZodType | undefined,
  Q extends ZodType | undefined,
  B extends ZodType | undefined,
  A extends Access,
> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI style, e.g. `/agencies/{id}`. */
  path: string;
  summary: string;
  tag: string;
  access: A;
  params?: P;
  query?: Q;
  body?: B;
  /** A binary body (e.g. a photograph) instead of JSON: the accepted media types and the size limit. */
  rawBody?: { types: string[]; limit: string };
  /** The body is an HTML form (application/x-www-form-urlencoded), as OAuth 2.0's token endpoint takes. */
  formBody?: true;
  responses: Record<number, ResponseSpec>;
  /** Open to a token whose password must be changed first (the change itself, signing out). */
  beforePasswordChange?: true;
  /** The body holds a password, or the answer a token or a sign-in code: never kept under an Idempotency-Key. */
  withoutIdempotencyKey?: true;
  handler: (ctx: RouteContext<P, Q, B, A>) => Promise<void>;
}

export type AnyRouteSpec = RouteSpec<ZodType | undefined, ZodType | undefined, ZodType | undefined, Access>;

function parsePart<S extends ZodType | undefined>(schema: S, value: unknown, where: FieldError['in']): Infer<S> {
  if (!schema) return undefined as Infer<S>;
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const errors = zodFieldErrors(where, parsed.error);
    const first = errors[0]!;
    throw new ValidationError(`${where} ${first.field}: ${first.detail}`, errors);
  }
  return parsed.data as Infer<S>;
}

/** Text that could not be stored, or would print as something else, is refused wherever it is sent. */
function refuseUnsafeText(value: unknown, where: FieldError['in']): void {
  const unsafe = findUnsafeText(value);
  if (unsafe) throw new ValidationError(`${where} ${unsafe.field}: ${unsafe.detail}`, [{ in: where, ...unsafe }]);
}

function refuseOtherMediaTypes(types: string[]): RequestHandler {
  return (req, _res, next) => {
    // An empty body (Content-Length: 0) is no body; any other must be of the route's media type.
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.is(types)) throw new UnsupportedMediaTypeError(`this route takes ${types.join(' or ')}`);
    next();
  };
}

export const FORM = 'application/x-www-form-urlencoded';

export interface ApiOptions {
  auth: RequestHandler;
  idempotency: RequestHandler;
  jsonLimit: string;
}

/**
 * The API's routes: each declared once with its schemas and access rule, which serve both the express router
 * and the OpenAPI document, so the two cannot drift apart.
 */
export class Api {
  readonly router = Router();
  readonly routes: AnyRouteSpec[] = [];
  private readonly json: RequestHandler[];
  private readonly form: RequestHandler[];

  constructor(private readonly options: ApiOptions) {
    this.json = [refuseOtherMediaTypes(['application/json']), express.json({ limit: options.jsonLimit, strict: true })];
    this.form = [
      refuseOtherMediaTypes([FORM]),
      // Flat fields only (no `a[b]=` nesting), as a form posts them.
      express.urlencoded({ type: FORM, limit: options.jsonLimit, extended: false, parameterLimit: 20 }),
    ];
  }

  add<P extends ZodType | undefined, Q extends ZodType | undefined, B extends ZodType | undefined, A extends Access>(
    spec: RouteSpec<P, Q, B, A>,
  ): void {
    this.routes.push(spec as unknown as AnyRouteSpec);
    const guards: RequestHandler[] = [];
    if (spec.access !== 'public') guards.push(this.options.auth);
    if (spec.access !== 'public' && !spec.beforePasswordChange) guards.push(requireOwnPassword);
    if (Array.isArray(spec.access)) guards.push(requireRole(spec.access));
    // The body is read only once the caller is known to be allowed to send it.
    guards.push(
      ...(spec.rawBody
        ? [
            refuseOtherMediaTypes(spec.rawBody.types),
            express.raw({ type: spec.rawBody.types, limit: spec.rawBody.limit }),
          ]
        : spec.formBody
          ? this.form
          : this.json),
    );
    if (spec.method !== 'get' && spec.access !== 'public' && !spec.withoutIdempotencyKey)
      guards.push(this.options.idempotency);
    const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    this.router[spec.method](expressPath, ...guards, async (req, res) => {
      // Whether or not the route reads them: what it is sent is refused as a whole.
      refuseUnsafeText(req.params, 'path');
      refuseUnsafeText(req.query, 'query');
      if (!spec.rawBody) refuseUnsafeText(req.body, 'body');
      const params = parsePart(spec.params, req.params, 'path');
      const query = parsePart(spec.query, req.query, 'query');
      const body = parsePart(spec.body, req.body, 'body');
      await spec.handler({ req, res, params, query, body, caller: req.caller } as RouteContext<P, Q, B, A>);
    });
  }
}
