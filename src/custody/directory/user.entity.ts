import { randomUUID } from 'node:crypto';
import { defineEntity, type InferEntity } from '@mikro-orm/core';

export const ROLES = ['officer', 'clerk', 'warehouse', 'approver', 'inspector', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const LANGUAGES = ['zh', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
/** A person signs in with a password; a client (another system) by the OAuth client-credentials grant. */
export const USER_KINDS = ['person', 'client'] as const;
export type UserKind = (typeof USER_KINDS)[number];

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    username: p.string().unique(),
    displayName: p.string(),
    agencyId: p.uuid(),
    kind: p.enum([...USER_KINDS]).default('person'),
    roles: p.array<Role>().columnType('text[]'),
    active: p.boolean().default(true),
    // Set when an administrator chose the password: the user's tokens allow only changing it.
    mustChangePassword: p.boolean().default(false),
    // Tokens issued under an older version are refused (sign out everywhere, a new password).
    tokenVersion: p.integer().default(0),
    // Never serialized: a password hash is not for any response or log.
    passwordHash: p.string().hidden(),
    // The console's language the user chose last; null until they choose one.
    language: p.enum([...LANGUAGES]).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
});
export type User = InferEntity<typeof User>;
