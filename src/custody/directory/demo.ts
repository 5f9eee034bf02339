import type { EntityManager } from '@mikro-orm/postgresql';
import { Agency, type AgencyKind } from './agency.entity';
import { createAgency, createUser } from './directory';
import { createLocationAs, type NewLocation } from './locations';
import { generatePassword } from './password';
import type { Role } from './user.entity';
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
  { username: 'proc-approver', displayName: 'Prosecutor Sun Hao', agencyCode: 'PROC-CITY', roles: ['approver'] },
  { username: 'clerk', displayName: 'Court clerk Chen Jie', agencyCode: 'COURT-CITY', roles: ['clerk'] },
  { username: 'court-approver', displayName: 'Judge Zhou Qing', agencyCode: 'COURT-CITY', roles: ['approver'] },
  { username: 'warehouse', displayName: 'Keeper Liu Yang', agencyCode: CENTRE_CODE, roles: ['warehouse'] },
  { username: 'witness', displayName: 'Keeper Wu Fang', agencyCode: CENTRE_CODE, roles: ['warehouse'] },
  { username: 'inspector', displayName: 'Inspector Zhao Lei', agencyCode: 'COMMISSION', roles: ['inspector'] },
];

const DEMO_LOCATIONS: NewLocation[] = [
  { code: 'HQ', name: 'Central custody centre', kind: 'site' },
  { code: 'HQ-PSB', name: 'East PSB zone (专区)', kind: 'zone', parentCode: 'HQ', reservedForAgencyCode: 'PSB-EAST' },
  { code: 'HQ-PSB-R1', name: 'Room 1', kind: 'room', parentCode: 'HQ-PSB' },
  { code: 'HQ-PSB-R1-S1', name: 'Shelf 1', kind: 'shelf', parentCode: 'HQ-PSB-R1', capacity: 40 },
  { code: 'HQ-PSB-R1-S2', name: 'Shelf 2', kind: 'shelf', parentCode: 'HQ-PSB-R1', capacity: 40 },
  {
    code: 'HQ-SAFE',
    name: 'Safe room (cash, valuables, drugs)',
    kind: 'room',
    parentCode: 'HQ-PSB',
    features: ['safe'],
  },
  { code: 'HQ-GEN', name: 'General zone', kind: 'zone', parentCode: 'HQ' },
  {
    code: 'HQ-COLD',
    name: 'Cold store (biological samples)',
    kind: 'room',
    parentCode: 'HQ-GEN',
    features: ['cold'],
    allowedCategories: ['biological'],
  },
  { code: 'HQ-LOCKER1', name: 'Pass-through locker 1', kind: 'locker', parentCode: 'HQ-GEN' },
  { code: 'HQ-LOCKER1-C1', name: 'Compartment 1', kind: 'compartment', parentCode: 'HQ-LOCKER1', capacity: 1 },
  { code: 'HQ-LOCKER1-C2', name: 'Compartment 2', kind: 'compartment', parentCode: 'HQ-LOCKER1', capacity: 1 },
];

export interface DemoAccount {
  username: string;
  password: string;
  roles: Role[];
  agencyCode: string;
}

/** Adds demo agencies, one user per role and a small centre, once; returns the accounts with their passwords. */
export async function seedDemo(em: EntityManager): Promise<DemoAccount[]> {
  if (await em.count(Agency, { code: DEMO_AGENCIES[0]!.code })) return [];
  for (const agency of DEMO_AGENCIES) await createAgency(em, null, agency);
  for (const location of DEMO_LOCATIONS) await createLocationAs(em, null, location);
  const accounts: DemoAccount[] = [];
  for (const user of DEMO_USERS) {
    const password = generatePassword();
    // Printed for the tour, not handed over by an administrator: no change is forced at the first sign-in.
    await createUser(em, null, { ...user, password }, { mustChangePassword: false });
    accounts.push({ username: user.username, password, roles: user.roles, agencyCode: user.agencyCode });
  }
  return accounts;
}
