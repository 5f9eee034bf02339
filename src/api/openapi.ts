import { z, type ZodType } from 'zod';
import { problemSchema } from './common.schemas';
import { FORM, type AnyRouteSpec } from './route';

const toSchema = (schema: ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;

function parameters(schema: ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = toSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** The OpenAPI 3.1 document, generated from the same route specs and zod schemas that serve requests. */
export function openApiDocument(routes: AnyRouteSpec[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      const contentType = spec.contentType ?? 'application/json';
      responses[status] = spec.schema
        ? { description: spec.description, content: { [contentType]: { schema: toSchema(spec.schema, 'output') } } }
        : spec.contentType
          ? { description: spec.description, content: { [contentType]: {} } }
          : { description: spec.description };
    }
    if (route.params || route.query || route.body) responses['400'] = problemResponse('invalid input');
    if (route.access !== 'public') responses['401'] = problemResponse('missing, invalid or expired token');
    if (Array.isArray(route.access)) responses['403'] = problemResponse('the caller lacks the role');
    if (route.params) responses['404'] = problemResponse('no such record, or not visible to the caller');
    responses['default'] = problemResponse('error');

    paths[route.path] ??= {};
    paths[route.path]![route.method] = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method}${route.path.replace(/[{}]/g, '').replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      ...(route.access === 'public' ? { security: [] } : {}),
      ...(Array.isArray(route.access) ? { 'x-roles': route.access } : {}),
      parameters: [
        ...parameters(route.params, 'path'),
        ...parameters(route.query, 'query'),
        // The state-changing routes that keep answers under an Idempotency-Key (route.ts adds the middleware
        // to all but those whose body or answer holds a secret).
        ...(route.method !== 'get' && route.access !== 'public' && !route.withoutIdempotencyKey
          ? [
              {
                name: 'Idempotency-Key',
                in: 'header',
                required: false,
                description: 'a retry with the same key gets the first answer and changes nothing',
                schema: { type: 'string' },
              },
            ]
          : []),
      ],
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { [route.formBody ? FORM : 'application/json']: { schema: toSchema(route.body, 'input') } },
            },
          }
        : {}),
      // A file sent as it is (a photograph, a spreadsheet), of one of these media types.
      ...(route.rawBody
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(
                route.rawBody.types.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
              ),
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Custody API', version, description: 'Chain of custody for seized property and evidence.' },
    servers: [{ url: '/api/v1' }],
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: toSchema(problemSchema, 'output') },
    },
    paths,
  };
}
