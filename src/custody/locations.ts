import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, UnprocessableError } from '../errors';
import { Agency } from './agency.entity';
import type { Category } from './item.entity';
import { Location, type LocationFeature, type LocationKind } from './location.entity';
import type { ItemState } from './projection';

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
    if (await tx.count(Location, { code: input.code })) throw new ConflictError(`location ${input.code} already exists`);
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

interface PlaceRow {
  id: string;
  code: string;
  kind: LocationKind;
  capacity: number | null;
  place_kind: LocationKind;
  place_code: string;
  /** The code of the agency this place is reserved for, when that is not the item's agency. */
  foreign_reservation: string | null;
  allowed_categories: Category[] | null;
  features: LocationFeature[];
}

/**
 * Checks that an item may be put in the location `code`: a storage place, not reserved for another agency
 * (专区), accepting its category, providing what the category needs (a safe, cold storage…), and not full.
 * Rules on a zone or room apply to everything inside it. One query reads the location with every place
 * above it; only a location with a capacity is then locked (so two check-ins cannot both take its last
 * place), and check-ins to other places run side by side.
 */
export async function placeItem(tx: EntityManager, item: ItemState, code: string, kinds = STORAGE_KINDS): Promise<Place> {
  const chain = await tx.execute<PlaceRow[]>(
    `select l.id, l.code, l.kind, l.capacity, c.kind as place_kind, c.code as place_code,
            case when c.reserved_agency_id is not null and c.reserved_agency_id <> ? then coalesce(a.code, 'another agency') end as foreign_reservation,
            c.allowed_categories, c.features
       from locations l
       join locations c on c.id = any (string_to_array(trim(both '/' from l.path), '/')::uuid[])
       left join agencies a on a.id = c.reserved_agency_id
      where l.code = ?`,
    [item.owningAgencyId, code],
  );
  const location = chain[0];
  if (!location) throw new UnprocessableError(`location ${code} does not exist`);
  if (!kinds.includes(location.kind)) {
    throw new UnprocessableError(`location ${code} is a ${location.kind}; items go in a ${kinds.join(', ')}`);
  }
  for (const place of chain) {
    if (place.foreign_reservation) {
      throw new UnprocessableError(`${place.place_kind} ${place.place_code} is reserved for items of ${place.foreign_reservation}`);
    }
    if (place.allowed_categories && !place.allowed_categories.includes(item.category)) {
      throw new UnprocessableError(`${place.place_kind} ${place.place_code} takes only ${place.allowed_categories.join(', ')}, not ${item.category}`);
    }
  }
  const need = REQUIRED_FEATURE[item.category];
  if (need && !chain.some((place) => place.features.includes(need))) {
    throw new UnprocessableError(`${item.category} must be kept in a ${need} location; ${code} is not one`);
  }
  if (location.capacity != null) {
    await tx.execute('select 1 from locations where id = ? for update', [location.id]);
    const [row] = await tx.execute<{ n: string }[]>(
      `select count(*) as n from items where location_id = ? and state in ('stored', 'in_locker') and id <> ?`,
      [location.id, item.id],
    );
    if (Number(row!.n) >= location.capacity) {
      throw new UnprocessableError(`location ${code} is full (capacity ${location.capacity})`);
    }
  }
  return { id: location.id, code: location.code };
}
