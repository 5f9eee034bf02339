import { z } from 'zod';
import { AGENCY_KINDS } from '../custody/directory/agency.entity';
import { LANGUAGES, ROLES } from '../custody/directory/user.entity';
import { pageQuery } from './common.schemas';

export const agencyCode = z
  .string()
  .regex(
    /^[A-Z0-9][A-Z0-9_-]{0,31}$/,
    'must be 1-32 upper-case letters, digits, _ or -, starting with a letter or digit',
  );
const displayText = z.string().trim().min(1).max(200);
export const username = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'must be 2-64 lower-case letters, digits, ., _ or -');
export const newPassword = z.string().min(12, 'must be at least 12 characters').max(200);
const roles = z.array(z.enum(ROLES)).min(1, 'must name at least one role').max(ROLES.length);

export const newAgencyBody = z.strictObject({ code: agencyCode, name: displayText, kind: z.enum(AGENCY_KINDS) });
export type NewAgencyBody = z.infer<typeof newAgencyBody>;

export const agencyChangeBody = z
  .strictObject({ name: displayText.optional(), kind: z.enum(AGENCY_KINDS).optional() })
  .refine((body) => body.name !== undefined || body.kind !== undefined, 'must change the name or the kind');

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
  mustChangePassword: z.boolean(),
  language: z.enum(LANGUAGES).nullable().describe("the console's language the user chose last"),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export const languageBody = z.strictObject({ language: z.enum(LANGUAGES) });

export const userListQuery = pageQuery.extend({
  agencyCode: agencyCode.optional(),
  role: z.enum(ROLES).optional(),
  active: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export const loginBody = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) });

export const tokenSchema = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int(),
  /** The password was set by an administrator: until it is changed, the token allows only the change. */
  passwordChangeRequired: z.boolean(),
  user: userSchema,
});

/** A console session: the token itself is in an httpOnly cookie, out of the page's reach. */
export const sessionSchema = z.object({
  expiresIn: z.number().int(),
  passwordChangeRequired: z.boolean(),
  /** To send back in the X-CSRF-Token header with every state-changing request (also in the custody_csrf cookie). */
  csrfToken: z.string(),
  user: userSchema,
});

// The policy (common, trivial, the username) is checked by the command, which knows the username.
export const passwordChangeBody = z.strictObject({ currentPassword: z.string().min(1).max(200), newPassword });
export const userPasswordBody = z.strictObject({ password: newPassword });

export const directoryLogQuery = pageQuery.extend({ subjectId: z.uuid().optional() });

const json: z.ZodType<unknown> = z.unknown();
export const directoryLogEntrySchema = z.object({
  seq: z.number().int(),
  leafHash: z.string(),
  entry: json.describe(
    'the entry as recorded: {v, seq, prevHash, action, actor, subject, change, recordedAt}; its leaf hash is SHA-256(0x00 || its canonical JSON)',
  ),
});

export const directoryLogVerifySchema = z.object({
  ok: z.boolean(),
  size: z.number().int(),
  root: z.string(),
  checkedAt: z.iso.datetime(),
  failure: z.object({ seq: z.number().int().nullable(), reason: z.string() }).nullable(),
});

/** Roles a system may act with: any but an administrator's, which no machine should hold. */
const clientRoles = z
  .array(z.enum(ROLES).exclude(['admin']))
  .min(1, 'must name at least one role')
  .max(ROLES.length - 1);

export const newClientBody = z.strictObject({ name: displayText, agencyCode, roles: clientRoles });

export const clientSchema = z.object({
  id: z.uuid(),
  clientId: z.string().describe('the client_id of the OAuth 2.0 client-credentials grant'),
  name: z.string(),
  agencyId: z.uuid(),
  agencyCode: z.string(),
  roles: z.array(z.enum(ROLES)),
  active: z.boolean().describe('false once revoked: its tokens are refused and it obtains no more'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const clientWithSecretSchema = clientSchema.extend({
  clientSecret: z.string().describe('shown this once: only its hash is kept'),
});

export const clientListQuery = pageQuery.extend({
  active: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

/** RFC 6749 §4.4.2: unknown fields are ignored, as the RFC asks; the grant's own checks say what is missing. */
export const tokenRequestBody = z.object({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  scope: z.string().optional(),
});

export const oauthTokenSchema = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().describe('seconds'),
});
