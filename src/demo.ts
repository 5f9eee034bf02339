import type { EntityManager } from '@mikro-orm/postgresql';
import { Agency, type AgencyKind } from './custody/agency.entity';
import { createAgency, createUser } from './custody/directory';
import { generatePassword } from './custody/password';
import type { Role } from './custody/user.entity';
import { CENTRE_CODE } from './bootstrap';

const DEMO_AGENCIES: { code: string; name: string; kind: AgencyKind }[] = [
  { code: 'PSB-EAST', name: 'East District Public Security Bureau', kind: 'police' },
  { code: 'PROC-CITY', name: 'City People’s Procuratorate', kind: 'procuratorate' },
  { code: 'COURT-CITY', name: 'City Intermediate People’s Court', kind: 'court' },
  { code: 'COMMISSION', name: 'Discipline Inspection Commission', kind: 'commission' },
];

const DEMO_USERS: { username: string; displayName: string; agencyCode: string; roles: Role[] }[] = [
  { username: 'officer', displayName: 'Officer Wang Wei', agencyCode: 'PSB-EAST', roles: ['officer'] },
  { username: 'approver', displayName: 'Supervisor Li Na', agencyCode: 'PSB-EAST', roles: ['approver'] },
  { username: 'prosecutor', displayName: 'Clerk Zhang Min', agencyCode: 'PROC-CITY', roles: ['clerk'] },
  { username: 'clerk', displayName: 'Court clerk Chen Jie', agencyCode: 'COURT-CITY', roles: ['clerk'] },
  { username: 'warehouse', displayName: 'Keeper Liu Yang', agencyCode: CENTRE_CODE, roles: ['warehouse'] },
  { username: 'inspector', displayName: 'Inspector Zhao Lei', agencyCode: 'COMMISSION', roles: ['inspector'] },
];

export interface DemoAccount {
  username: string;
  password: string;
  roles: Role[];
  agencyCode: string;
}

/** Adds demo agencies and one user per role, once; returns the accounts it created with their passwords. */
export async function seedDemo(em: EntityManager): Promise<DemoAccount[]> {
  if (await em.count(Agency, { code: DEMO_AGENCIES[0]!.code })) return [];
  for (const agency of DEMO_AGENCIES) await createAgency(em, agency);
  const accounts: DemoAccount[] = [];
  for (const user of DEMO_USERS) {
    const password = generatePassword();
    await createUser(em, { ...user, password });
    accounts.push({ username: user.username, password, roles: user.roles, agencyCode: user.agencyCode });
  }
  return accounts;
}
