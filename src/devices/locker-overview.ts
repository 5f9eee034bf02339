import type { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError } from '../errors';
import type { Caller } from '../custody/directory/caller';
import { alertVisibility, itemVisibility } from '../custody/items/access';
import { arrayLiteral } from '../custody/sql';
import { COLD_RANGE } from './locker';

type Time = Date | string;
const iso = (t: Time | null) => (t === null ? null : new Date(t).toISOString());
const latest = (...times: (string | null)[]) =>
  times.reduce<string | null>((a, b) => (b !== null && (a === null || b > a) ? b : a), null);

export interface LockerAlert {
  id: string;
  kind: string;
  message: string;
  createdAt: string;
}

interface DeviceRow {
  id: string;
  code: string;
  online: boolean;
  last_seen_at: Time | null;
  location_id: string | null;
  location_code: string | null;
  location_name: string | null;
}

interface CompartmentRow {
  id: string;
  code: string;
  name: string;
  parent_id: string;
  cold: boolean;
  front_door: 'open' | 'closed' | null;
  front_door_at: Time | null;
  back_door: 'open' | 'closed' | null;
  back_door_at: Time | null;
  occupied: boolean | null;
  occupied_at: Time | null;
  temperature: number | null;
  humidity: number | null;
  reading_at: Time | null;
}

function presentCompartment(
  row: CompartmentRow,
  items: { code: string; description: string; state: string }[],
  alerts: LockerAlert[],
) {
  const door = (state: 'open' | 'closed' | null, at: Time | null) => (state ? { state, reportedAt: iso(at)! } : null);
  const coldRange = row.cold ? { ...COLD_RANGE } : null;
  const reading =
    row.reading_at === null
      ? null
      : { temperature: row.temperature, humidity: row.humidity, reportedAt: iso(row.reading_at)! };
  const frontDoor = door(row.front_door, row.front_door_at);
  const backDoor = door(row.back_door, row.back_door_at);
  const occupancy = row.occupied === null ? null : { occupied: row.occupied, reportedAt: iso(row.occupied_at)! };
  return {
    code: row.code,
    name: row.name,
    items,
    frontDoor,
    backDoor,
    occupancy,
    reading,
    coldRange,
    temperatureOutOfRange:
      !!coldRange &&
      reading?.temperature != null &&
      (reading.temperature < coldRange.min || reading.temperature > coldRange.max),
    reportedAt: latest(
      frontDoor?.reportedAt ?? null,
      backDoor?.reportedAt ?? null,
      occupancy?.reportedAt ?? null,
      reading?.reportedAt ?? null,
    ),
    alerts,
  };
}

export type LockerView = Awaited<ReturnType<typeof listLockers>>['lockers'][number];

/**
 * The active lockers (all of them, a page of them, or the one `deviceId`) as the console shows them: whether
 * each is online and when it was last heard, its open alerts, and each compartment with the items in it now,
 * what it last reported of its doors, occupancy and temperature, and its own open alerts. Four queries, however
 * many lockers.
 */
export async function listLockers(
  em: EntityManager,
  caller: Caller,
  page: { limit: number; offset: number; deviceId?: string },
) {
  const devices = await em.execute<(DeviceRow & { total: string })[]>(
    `select d.id, d.code, d.online, d.last_seen_at, d.location_id, l.code as location_code, l.name as location_name,
            count(*) over () as total
       from devices d left join locations l on l.id = d.location_id
      where d.kind = 'locker' and d.active and (?::uuid is null or d.id = ?::uuid)
      order by d.code limit ? offset ?`,
    [page.deviceId ?? null, page.deviceId ?? null, page.limit, page.offset],
  );
  const total = Number(devices[0]?.total ?? 0);
  if (page.deviceId && devices.length === 0) throw new NotFoundError(`there is no active locker ${page.deviceId}`);
  const lockerPlaces = devices.flatMap((d) => (d.location_id ? [d.location_id] : []));
  const compartments = lockerPlaces.length
    ? await em.execute<CompartmentRow[]>(
        `select c.id, c.code, c.name, c.parent_id,
                exists (select 1 from locations p
                         where p.id = any (string_to_array(trim(both '/' from c.path), '/')::uuid[])
                           and 'cold' = any (p.features)) as cold,
                s.front_door, s.front_door_at, s.back_door, s.back_door_at, s.occupied, s.occupied_at,
                s.temperature, s.humidity, s.reading_at
           from locations c left join locker_compartment_states s on s.compartment_id = c.id
          where c.kind = 'compartment' and c.parent_id = any (?::uuid[])
          order by c.code`,
        [arrayLiteral(lockerPlaces)],
      )
    : [];
  const places = [...lockerPlaces, ...compartments.map((c) => c.id)];
  const items = new Map<string, { code: string; description: string; state: string }[]>();
  const alerts = new Map<string, LockerAlert[]>();
  if (devices.length) {
    const seen = itemVisibility(caller);
    const itemRows = compartments.length
      ? await em.execute<{ code: string; description: string; state: string; location_id: string }[]>(
          `select i.code, i.description, i.state, i.location_id from items i
            where i.location_id = any (?::uuid[]) and ${seen.sql} order by i.code`,
          [arrayLiteral(compartments.map((c) => c.id)), ...seen.params],
        )
      : [];
    for (const { location_id, ...item } of itemRows) items.set(location_id, [...(items.get(location_id) ?? []), item]);
    const visible = alertVisibility(caller);
    const alertRows = await em.execute<
      (LockerAlert & { created_at: Time; location_id: string | null; device_id: string | null })[]
    >(
      `select a.id, a.kind, a.message, a.created_at, a.location_id, a.device_id
         from alerts a left join items i on i.id = a.item_id
        where a.status = 'open' and (a.device_id = any (?::uuid[]) or a.location_id = any (?::uuid[])) and ${visible.sql}
        order by a.created_at desc, a.id`,
      [arrayLiteral(devices.map((d) => d.id)), arrayLiteral(places), ...visible.params],
    );
    const compartmentIds = new Set(compartments.map((c) => c.id));
    for (const a of alertRows) {
      // An alert about a compartment is the compartment's; any other about the locker or its place is the locker's.
      const owner =
        a.location_id && compartmentIds.has(a.location_id)
          ? a.location_id
          : (devices.find((d) => d.id === a.device_id) ?? devices.find((d) => d.location_id === a.location_id))?.id;
      if (!owner) continue;
      const alert = { id: a.id, kind: a.kind, message: a.message, createdAt: iso(a.created_at)! };
      alerts.set(owner, [...(alerts.get(owner) ?? []), alert]);
    }
  }
  return {
    total,
    lockers: devices.map((d) => ({
      deviceId: d.id,
      code: d.code,
      online: d.online,
      lastSeenAt: iso(d.last_seen_at),
      location: d.location_code ? { code: d.location_code, name: d.location_name! } : null,
      alerts: alerts.get(d.id) ?? [],
      compartments: compartments
        .filter((c) => c.parent_id === d.location_id)
        .map((c) => presentCompartment(c, items.get(c.id) ?? [], alerts.get(c.id) ?? [])),
    })),
  };
}
