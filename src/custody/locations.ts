import { LockMode } from '@mikro-orm/core';
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

/**
 * Loads the location an item is to be put in and checks that it may go there: a storage place, not
 * reserved for another agency (专区), accepting its category, providing what the category needs (a safe,
 * cold storage…), and not full. Rules on a zone or room apply to everything inside it.
 */
export async function placeItem(tx: EntityManager, item: ItemState, code: string, kinds = STORAGE_KINDS): Promise<Location> {
  const found = await tx.findOne(Location, { code });
  if (!found) throw new UnprocessableError(`location ${code} does not exist`);
  // Only a location with a capacity is locked (so two check-ins cannot both take its last place); check-ins
  // to other places run side by side.
  const location = found.capacity != null ? (await tx.findOne(Location, { id: found.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true }))! : found;
  if (!kinds.includes(location.kind)) {
    throw new UnprocessableError(`location ${code} is a ${location.kind}; items go in a ${kinds.join(', ')}`);
  }
  const chainIds = location.path.split('/').filter(Boolean);
  const chain = await tx.find(Location, { id: { $in: chainIds } });
  for (const place of chain) {
    if (place.reservedAgencyId && place.reservedAgencyId !== item.owningAgencyId) {
      const agency = await tx.findOne(Agency, { id: place.reservedAgencyId });
      throw new UnprocessableError(`${place.kind} ${place.code} is reserved for items of ${agency?.code ?? 'another agency'}`);
    }
    if (place.allowedCategories && !place.allowedCategories.includes(item.category)) {
      throw new UnprocessableError(
        `${place.kind} ${place.code} takes only ${place.allowedCategories.join(', ')}, not ${item.category}`,
      );
    }
  }
  const need = REQUIRED_FEATURE[item.category];
  if (need && !chain.some((place) => place.features.includes(need))) {
    throw new UnprocessableError(`${item.category} must be kept in a ${need} location; ${code} is not one`);
  }
  if (location.capacity != null) {
    const [row] = await tx.execute<{ n: string }[]>(
      `select count(*) as n from items where location_id = ? and state in ('stored', 'in_locker') and id <> ?`,
      [location.id, item.id],
    );
    if (Number(row!.n) >= location.capacity) {
      throw new UnprocessableError(`location ${code} is full (capacity ${location.capacity})`);
    }
  }
  return location;
}
