import { z } from 'zod';
import { AGENCY_KINDS } from '../custody/agency.entity';
import { ROLES } from '../custody/user.entity';
import { pageQuery } from './common.schemas';

export const agencyCode = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'must be 1-32 upper-case letters, digits, _ or -, starting with a letter or digit');
const displayText = z.string().trim().min(1).max(200);
export const username = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'must be 2-64 lower-case letters, digits, ., _ or -');
export const newPassword = z.string().min(12, 'must be at least 12 characters').max(200);
const roles = z.array(z.enum(ROLES)).min(1, 'must name at least one role').max(ROLES.length);

export const newAgencyBody = z.strictObject({ code: agencyCode, name: displayText, kind: z.enum(AGENCY_KINDS) });
export type NewAgencyBody = z.infer<typeof newAgencyBody>;

export const agencySchema = z.object({
  id: z.uuid(),
  code: z.string(),
  name: z.string(),
  kind: z.enum(AGENCY_KINDS),
  createdAt: z.iso.datetime(),
});

export const agencyListQuery = pageQuery.extend({ kind: z.enum(AGENCY_KINDS).optional() });

export const newUserBody = z.strictObject({
  username,
  displayName: displayText,
  agencyCode,
  roles,
  password: newPassword,
});
export type NewUserBody = z.infer<typeof newUserBody>;

export const userRolesBody = z.strictObject({ roles });

export const userSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  agencyId: z.uuid(),
  agencyCode: z.string(),
  roles: z.array(z.enum(ROLES)),
  active: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const userListQuery = pageQuery.extend({
  agencyCode: agencyCode.optional(),
  role: z.enum(ROLES).optional(),
  active: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

export const loginBody = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) });

export const tokenSchema = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int(),
  user: userSchema,
});
