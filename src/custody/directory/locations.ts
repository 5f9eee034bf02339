import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, UnprocessableError } from '../../errors';
import { Agency } from './agency.entity';
import type { Caller } from './caller';
import { recordDirectoryChange } from './directory-log';
import type { Category } from '../items/item-kinds';
import { Location, type LocationFeature, type LocationKind } from './location.entity';
import type { ItemState } from '../items/projection';
import { arrayLiteral, type Sql } from '../sql';

export interface NewLocation {
  code: string;
  name: string;
  kind: LocationKind;
  parentCode?: string;
  reservedForAgencyCode?: string;
  allowedCategories?: Category[];
  features?: LocationFeature[];
  capacity?: number;
}

// A location may sit only inside a location of a larger kind (a shelf in a room, not a room on a shelf).
const RANK: Record<LocationKind, number> = { site: 0, zone: 1, room: 2, locker: 3, shelf: 3, bin: 4, compartment: 4 };

export async function createLocation(em: EntityManager, input: NewLocation): Promise<Location> {
  return em.transactional(async (tx) => {
    if (await tx.count(Location, { code: input.code }))
      throw new ConflictError(`location ${input.code} already exists`);
    let parent: Location | null = null;
    if (input.parentCode) {
      parent = await tx.findOne(Location, { code: input.parentCode });
      if (!parent) throw new UnprocessableError(`parent location ${input.parentCode} does not exist`);
      if (RANK[parent.kind] >= RANK[input.kind]) {
        throw new UnprocessableError(`a ${input.kind} cannot be placed inside a ${parent.kind}`);
      }
    } else if (input.kind !== 'site') {
      throw new UnprocessableError(`a ${input.kind} needs a parent location; only a site stands alone`);
    }
    if (input.kind === 'compartment' && parent?.kind !== 'locker') {
      throw new UnprocessableError('a compartment belongs to a locker');
    }
    let reservedAgencyId: string | null = null;
    if (input.reservedForAgencyCode) {
      const agency = await tx.findOne(Agency, { code: input.reservedForAgencyCode });
      if (!agency) throw new UnprocessableError(`agency ${input.reservedForAgencyCode} does not exist`);
      reservedAgencyId = agency.id;
    }
    const id = randomUUID();
    const location = tx.create(Location, {
      id,
      code: input.code,
      name: input.name,
      kind: input.kind,
      parentId: parent?.id ?? null,
      path: `${parent?.path ?? '/'}${id}/`,
      reservedAgencyId,
      allowedCategories: input.allowedCategories ?? null,
      features: input.features ?? [],
      capacity: input.capacity ?? null,
    });
    await tx.flush();
    return location;
  });
}

/** Creates a location as `actor` (null: the server itself), recorded in the directory log with it. */
export async function createLocationAs(em: EntityManager, actor: Caller | null, input: NewLocation): Promise<Location> {
  return em.transactional(async (tx) => {
    const l = await createLocation(tx, input);
    await recordDirectoryChange(tx, actor, {
      action: 'location.created',
      subject: { kind: 'location', id: l.id },
      change: {
        code: l.code,
        name: l.name,
        kind: l.kind,
        parentId: l.parentId ?? null,
        reservedAgencyId: l.reservedAgencyId ?? null,
        allowedCategories: l.allowedCategories ?? null,
        features: l.features,
        capacity: l.capacity == null ? null : String(l.capacity),
      },
    });
    return l;
  });
}

export async function findLocation(em: EntityManager, code: string): Promise<Location> {
  const location = await em.findOne(Location, { code });
  if (!location) throw new NotFoundError(`location ${code} does not exist`);
  return location;
}

/** What each category needs of the place it is kept in. */
export const REQUIRED_FEATURE: Partial<Record<Category, LocationFeature>> = {
  cash: 'safe',
  valuables: 'safe',
  drugs: 'safe',
  firearm: 'armory',
  biological: 'cold',
  hazardous: 'hazmat',
};

const STORAGE_KINDS: LocationKind[] = ['room', 'shelf', 'bin', 'compartment'];

/** Where an item is put: the location's id and code. */
export interface Place {
  id: string;
  code: string;
}

interface ChainRow {
  code: string;
  id: string;
  kind: LocationKind;
  capacity: number | null;
  place_kind: LocationKind;
  place_code: string;
  reserved_agency_id: string | null;
  reserved_agency_code: string | null;
  allowed_categories: Category[] | null;
  features: LocationFeature[];
}

/** A location with every place above it (itself included): the rules of a zone or room apply inside it. */
export type PlaceChain = ChainRow[];

/** Reads the locations `codes` with their chains, in one query; a code that does not exist has no entry. */
export async function readPlaceChains(sql: Sql, codes: string[]): Promise<Map<string, PlaceChain>> {
  const rows = await sql.execute<ChainRow[]>(
    `select l.code, l.id, l.kind, l.capacity, c.kind as place_kind, c.code as place_code,
            c.reserved_agency_id, a.code as reserved_agency_code, c.allowed_categories, c.features
       from locations l
       join locations c on c.id = any (string_to_array(trim(both '/' from l.path), '/')::uuid[])
       left join agencies a on a.id = c.reserved_agency_id
      where l.code = any (?::text[])`,
    [arrayLiteral(codes)],
  );
  const chains = new Map<string, PlaceChain>();
  for (const row of rows) chains.set(row.code, [...(chains.get(row.code) ?? []), row]);
  return chains;
}

/**
 * Checks that an item may be put in the location `code`: a storage place, not reserved for another agency
 * (专区), accepting its category, and providing what the category needs (a safe, cold storage…). Whether
 * it has room is the caller's to check, under a lock (`lockCapacities`), for a location with a capacity.
 */
export function checkPlace(
  item: ItemState,
  code: string,
  chain: PlaceChain | undefined,
  kinds = STORAGE_KINDS,
): ChainRow {
  const location = chain?.[0];
  if (!chain || !location) throw new UnprocessableError(`location ${code} does not exist`);
  if (!kinds.includes(location.kind)) {
    throw new UnprocessableError(`location ${code} is a ${location.kind}; items go in a ${kinds.join(', ')}`);
  }
  for (const place of chain) {
    if (place.reserved_agency_id && place.reserved_agency_id !== item.owningAgencyId) {
      throw new UnprocessableError(
        `${place.place_kind} ${place.place_code} is reserved for items of ${place.reserved_agency_code}`,
      );
    }
    if (place.allowed_categories && !place.allowed_categories.includes(item.category)) {
      throw new UnprocessableError(
        `${place.place_kind} ${place.place_code} takes only ${place.allowed_categories.join(', ')}, not ${item.category}`,
      );
    }
  }
  const need = REQUIRED_FEATURE[item.category];
  if (need && !chain.some((place) => place.features.includes(need))) {
    throw new UnprocessableError(`${item.category} must be kept in a ${need} location; ${code} is not one`);
  }
  return location;
}

/**
 * Locks those of the locations `codes` that have a capacity (in a stable order) and counts the items
 * stored in each, by id, so that two commands cannot both take a location's last place; locations
 * without a capacity are never locked, and check-ins to them run side by side. The count is a statement
 * of its own, after the lock: one statement that locked and counted would count with the snapshot it
 * took before waiting for the lock, and miss the item the lock's holder had just put there.
 */
export async function lockCapacities(sql: Sql, codes: string[]): Promise<Map<string, number>> {
  if (codes.length === 0) return new Map();
  const list = arrayLiteral(codes);
  // Sent together (in one round trip on a pipelined connection): the count runs after the lock, in a
  // statement of its own, so that it sees what the lock's previous holder committed.
  const [locked, rows] = await Promise.all([
    sql.execute<{ id: string }[]>(
      'select id from locations where code = any (?::text[]) and capacity is not null order by id for update',
      [list],
    ),
    // Counted per location through the items' location index, whatever the planner thinks of the tables.
    sql.execute<{ id: string; stored: string }[]>(
      `select l.id, (select count(*) from items i where i.location_id = l.id and i.state in ('stored', 'in_locker')) as stored
         from locations l where l.code = any (?::text[]) and l.capacity is not null`,
      [list],
    ),
  ]);
  const stored = new Map(rows.map((row) => [row.id, Number(row.stored)]));
  return new Map(locked.map(({ id }) => [id, stored.get(id)!]));
}

/**
 * The one rule of a location's capacity, for a single command and for a group commit alike: `item` fits
 * when the items stored there, as `stored` counts them (from lockCapacities, then each placement already
 * made in this transaction), leave room. An item already there takes no more; one leaving the location in
 * the same transaction still counts, as it would if the two commands ran one after the other. Counts the
 * item in.
 */
export function takeRoom(
  item: ItemState,
  location: Pick<ChainRow, 'id' | 'code' | 'capacity'>,
  stored: Map<string, number>,
): void {
  if (location.capacity == null) return;
  const count = stored.get(location.id)!;
  if (count - (item.locationId === location.id ? 1 : 0) >= location.capacity) {
    throw new UnprocessableError(`location ${location.code} is full (capacity ${location.capacity})`);
  }
  stored.set(location.id, count + 1);
}

/** Checks `item` may go in location `code` (see checkPlace), with room for it, and returns the place. */
export async function placeItem(tx: Sql, item: ItemState, code: string, kinds = STORAGE_KINDS): Promise<Place> {
  const location = checkPlace(item, code, (await readPlaceChains(tx, [code])).get(code), kinds);
  if (location.capacity != null) takeRoom(item, location, await lockCapacities(tx, [code]));
  return { id: location.id, code: location.code };
}
