import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z, type ZodType } from 'zod';
import { ValidationError, type FieldError } from '../errors';
import type { Role } from '../custody/user.entity';
import { zodFieldErrors } from './problem';
import { requireRole, type Caller } from './auth';

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

export interface RouteSpec<P extends ZodType | undefined, Q extends ZodType | undefined, B extends ZodType | undefined, A extends Access> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI style, e.g. `/agencies/{id}`. */
  path: string;
  summary: string;
  tag: string;
  access: A;
  params?: P;
  query?: Q;
  body?: B;
  /** Headers that the route reads, for the OpenAPI document. */
  headers?: Record<string, string>;
  responses: Record<number, ResponseSpec>;
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

/**
 * The API's routes: each declared once with its schemas and access rule, which serve both the express router
 * and the OpenAPI document, so the two cannot drift apart.
 */
export class Api {
  readonly router = Router();
  readonly routes: AnyRouteSpec[] = [];

  constructor(private readonly auth: RequestHandler) {}

  add<P extends ZodType | undefined, Q extends ZodType | undefined, B extends ZodType | undefined, A extends Access>(
    spec: RouteSpec<P, Q, B, A>,
  ): void {
    this.routes.push(spec as unknown as AnyRouteSpec);
    const guards: RequestHandler[] = [];
    if (spec.access !== 'public') guards.push(this.auth);
    if (Array.isArray(spec.access)) guards.push(requireRole(spec.access));
    const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    this.router[spec.method](expressPath, ...guards, async (req, res) => {
      const params = parsePart(spec.params, req.params, 'path');
      const query = parsePart(spec.query, req.query, 'query');
      const body = parsePart(spec.body, req.body, 'body');
      await spec.handler({ req, res, params, query, body, caller: req.caller } as RouteContext<P, Q, B, A>);
    });
  }
}
