import type { EntityManager } from '@mikro-orm/postgresql';
import { Agency } from './agency.entity';
import { recordDirectoryChange } from './directory-log';
import { generatePassword, hashPassword } from './password';
import { User } from './user.entity';

export const CENTRE_CODE = 'CENTRE';

export interface BootstrapResult {
  created: boolean;
  /** Set only when a password was generated: shown once, stored nowhere in clear. */
  generatedPassword?: string;
}

/**
 * On an empty database, creates the custody centre and its administrator. Serialized with an advisory lock,
 * so two instances starting at once create them once.
 */
export async function bootstrap(em: EntityManager, adminPassword: string | undefined): Promise<BootstrapResult> {
  const password = adminPassword ?? generatePassword();
  const passwordHash = await hashPassword(password);
  return em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('custody.bootstrap'))`);
    if ((await tx.count(Agency, {})) > 0) return { created: false };
    const centre = tx.create(Agency, { code: CENTRE_CODE, name: 'Custody centre', kind: 'custody_centre' });
    await tx.flush();
    const admin = tx.create(User, {
      username: 'admin',
      displayName: 'Administrator',
      agencyId: centre.id,
      roles: ['admin'],
      passwordHash,
    });
    await tx.flush();
    // The directory log starts with them, made by the server itself.
    await recordDirectoryChange(tx, null, {
      action: 'agency.created',
      subject: { kind: 'agency', id: centre.id },
      change: { code: centre.code, name: centre.name, kind: centre.kind },
    });
    await recordDirectoryChange(tx, null, {
      action: 'user.created',
      subject: { kind: 'user', id: admin.id },
      change: {
        username: admin.username,
        displayName: admin.displayName,
        agencyCode: centre.code,
        roles: admin.roles,
        mustChangePassword: false,
      },
    });
    return adminPassword ? { created: true } : { created: true, generatedPassword: password };
  });
}
