import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../../src/custody/ledger/append';
import { recordDirectoryChange } from '../../src/custody/directory/directory-log';
import { hashPassword } from '../../src/custody/directory/password';
import { uuid } from './seeded';

/** The centre's agencies, people and places. */

export interface Person extends Actor {
  username: string;
}
interface AgencyPlan {
  id: string;
  code: string;
  name: string;
  kind: 'police' | 'procuratorate' | 'court' | 'commission' | 'custody_centre';
  officers: Person[];
  approver: Person;
}
export interface Directory {
  centre: AgencyPlan;
  police: AgencyPlan[];
  receivers: AgencyPlan[];
  warehouse: Person[];
  /** Shelves by the feature their room has ('' for the general zones), and each general zone's shelves. */
  shelves: Map<string, string[]>;
  zones: { code: string; shelves: string[] }[];
  compartments: { id: string; code: string }[];
}

/** The agencies, accounts and places, through the directory log as the server records them. */
export async function makeDirectory(em: EntityManager, seed: number, items: number): Promise<Directory> {
  let n = 0;
  const id = (kind: string) => uuid(seed, kind, n++);
  const passwordHash = await hashPassword(`scale-${seed}`);
  const policeUnits = Math.min(77, Math.max(3, Math.ceil(items / 13_000)));
  return em.transactional(async (tx) => {
    const agency = async (code: string, name: string, kind: AgencyPlan['kind'], officers: number) => {
      const plan: AgencyPlan = { id: id('agency'), code, name, kind, officers: [], approver: undefined! };
      await tx.execute('insert into agencies (id, code, name, kind) values (?, ?, ?, ?)', [plan.id, code, name, kind]);
      await recordDirectoryChange(tx, null, {
        action: 'agency.created',
        subject: { kind: 'agency', id: plan.id },
        change: { code, name, kind },
      });
      const roles = kind === 'custody_centre' ? 'warehouse' : 'officer';
      for (let i = 1; i <= officers + 1; i++) {
        const approver = i > officers;
        const person: Person = {
          id: id('user'),
          agencyId: plan.id,
          username: `${code.toLowerCase()}-${approver ? 'approver' : `${roles}${i}`}`,
        };
        const userRoles = approver ? (kind === 'custody_centre' ? ['inspector'] : ['approver']) : [roles];
        const displayName = `${name}${approver ? '审批人' : `民警${i}`}`;
        await tx.execute(
          `insert into users (id, username, display_name, agency_id, roles, password_hash) values (?, ?, ?, ?, ?::text[], ?)`,
          [person.id, person.username, displayName, plan.id, `{${userRoles.join(',')}}`, passwordHash],
        );
        await recordDirectoryChange(tx, null, {
          action: 'user.created',
          subject: { kind: 'user', id: person.id },
          change: {
            username: person.username,
            displayName,
            agencyCode: code,
            roles: userRoles,
            mustChangePassword: false,
          },
        });
        if (approver) plan.approver = person;
        else plan.officers.push(person);
      }
      return plan;
    };
    const centre = await agency('SC-CENTRE', '泰安市涉案财物管理中心', 'custody_centre', 6);
    const police: AgencyPlan[] = [];
    for (let p = 1; p <= policeUnits; p++) {
      police.push(await agency(`SC-P${String(p).padStart(2, '0')}`, `泰安市公安局第${p}分局`, 'police', 3));
    }
    const receivers = [
      await agency('SC-PROC', '泰安市人民检察院', 'procuratorate', 2),
      await agency('SC-COURT', '泰安市中级人民法院', 'court', 2),
      await agency('SC-COMM', '泰安市纪律检查委员会', 'commission', 2),
    ];

    const paths = new Map<string, string>();
    const place = async (code: string, name: string, kind: string, parent: string | null, features: string[] = []) => {
      const placeId = id('location');
      const parentId = parent ? paths.get(parent)!.split('/').at(-2)! : null;
      const path = `${parent ? paths.get(parent)! : '/'}${placeId}/`;
      paths.set(code, path);
      await tx.execute(
        `insert into locations (id, code, name, kind, parent_id, path, features) values (?, ?, ?, ?, ?, ?, ?::text[])`,
        [placeId, code, name, kind, parentId, path, `{${features.join(',')}}`],
      );
      await recordDirectoryChange(tx, null, {
        action: 'location.created',
        subject: { kind: 'location', id: placeId },
        change: {
          code,
          name,
          kind,
          parentId,
          reservedAgencyId: null,
          allowedCategories: null,
          features,
          capacity: null,
        },
      });
      return placeId;
    };
    await place('SC-SITE', '涉案财物管理中心', 'site', null);
    // About 250 items a shelf, in general zones of up to 100 shelves, and a zone of special rooms.
    const shelfCount = Math.max(8, Math.ceil(items / 250));
    const zoneCount = Math.max(2, Math.ceil((shelfCount * 0.8) / 100));
    const zones: Directory['zones'] = [];
    const shelves = new Map<string, string[]>([['', []]]);
    for (let z = 1; z <= zoneCount; z++) {
      const zone = `SC-Z${String(z).padStart(2, '0')}`;
      await place(zone, `${z}号库区`, 'zone', 'SC-SITE');
      await place(`${zone}-R`, `${z}号库房`, 'room', zone);
      const own: string[] = [];
      for (let s = 1; s <= Math.ceil((shelfCount * 0.8) / zoneCount); s++) {
        own.push(await place(`${zone}-S${String(s).padStart(3, '0')}`, `${z}号库房${s}号架`, 'shelf', `${zone}-R`));
      }
      zones.push({ code: zone, shelves: own });
      shelves.get('')!.push(...own);
    }
    await place('SC-SPECIAL', '专用库区', 'zone', 'SC-SITE');
    for (const [feature, name] of [
      ['safe', '保险库'],
      ['armory', '枪弹库'],
      ['cold', '冷藏库'],
      ['hazmat', '危险品库'],
    ] as const) {
      const room = `SC-${feature.toUpperCase()}`;
      await place(room, name, 'room', 'SC-SPECIAL', [feature]);
      const own: string[] = [];
      for (let s = 1; s <= Math.ceil(shelfCount * 0.05); s++) {
        own.push(await place(`${room}-S${String(s).padStart(3, '0')}`, `${name}${s}号架`, 'shelf', room, [feature]));
      }
      shelves.set(feature, own);
    }
    await place('SC-INTAKE', '接收区', 'zone', 'SC-SITE');
    await place('SC-INTAKE-R', '接收室', 'room', 'SC-INTAKE');
    const compartments: Directory['compartments'] = [];
    for (let l = 1; l <= Math.max(2, Math.min(20, Math.ceil(items / 50_000))); l++) {
      const locker = `SC-L${String(l).padStart(2, '0')}`;
      await place(locker, `${l}号智能柜`, 'locker', 'SC-INTAKE-R');
      for (let c = 1; c <= 24; c++) {
        const code = `${locker}-C${String(c).padStart(2, '0')}`;
        compartments.push({ id: await place(code, `${l}号柜${c}号格`, 'compartment', locker), code });
      }
    }
    return { centre, police, receivers, warehouse: centre.officers, shelves, zones, compartments };
  });
}
