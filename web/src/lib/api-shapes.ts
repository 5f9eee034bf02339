import type { operations } from './api-types';

/** The JSON a successful operation answers with, by its operationId in the OpenAPI document. */
export type Answer<Op extends keyof operations, Status extends number = 200> = operations[Op] extends {
  responses: { [S in Status]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

/** The JSON body an operation takes. */
export type BodyOf<Op extends keyof operations> = operations[Op] extends {
  requestBody?: { content: { 'application/json': infer T } };
}
  ? T
  : never;

export type Me = Answer<'getMe'>;
export type Role = Me['roles'][number];
