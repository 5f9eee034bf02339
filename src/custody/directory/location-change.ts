import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError, UnprocessableError } from '../../errors';
import type { Json } from '../ledger/canonical-json';
import type { Category } from '../items/item-kinds';
import { arrayLiteral } from '../sql';
import { Agency } from './agency.entity';
import type { Caller } from './caller';
import { recordDirectoryChange } from './directory-log';
import { Location, type LocationFeature } from './location.entity';
import { REQUIRED_FEATURE } from './locations';

/** What an administrator may change of a location: its name and its rules, never its code, kind or parent. */
export interface LocationChange {
  name?: string;
  /** null: reserved for no agency. */
  reservedForAgencyCode?: string | null;
  /** null: takes every category. */
  allowedCategories?: Category[] | null;
  features?: LocationFeature[];
  /** null: no limit. */
  capacity?: number | null;
}

const sameSet = (a: readonly string[] | null, b: readonly string[] | null) =>
  a === null || b === null ? a === b : a.length === b.length && a.every((x) => b.includes(x));

/** The categories that need `feature` of the place they are kept in. */
const needing = (feature: LocationFeature) =>
  Object.entries(REQUIRED_FEATURE)
    .filter(([, need]) => need === feature)
    .map(([category]) => category);

/**
 * Changes a location's name or rules, recorded with `actor` in the directory log. A rule applies to what is
 * put there from then on, and is refused while what is kept there already breaks it: a capacity below the
 * items stored in the location, a reservation for another agency than their owner's, categories without
 * theirs, a feature taken away that one of them needs and no other place on its way up provides. The row is
 * locked for the change, so two changes of one location take turns; a check-in that read the old rules just
 * before may still commit.
 */
export async function changeLocation(
  em: EntityManager,
  actor: Caller,
  code: string,
  input: LocationChange,
): Promise<Location> {
  return em.transactional(async (tx) => {
    const location = await tx.findOne(Location, { code }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!location) throw new NotFoundError(`location ${code} does not exist`);
    /** The items kept in the location or under it that match `condition`: how many, and one of their codes. */
    const kept = async (condition: string, values: unknown[]) => {
      const [row] = await tx.execute<{ n: string; example: string | null }[]>(
        `select count(*) as n, min(i.code) as example from items i join locations l on l.id = i.location_id
          where l.path like ? and i.state in ('stored', 'in_locker') and ${condition}`,
        [`${location.path}%`, ...values],
      );
      return { n: Number(row!.n), example: row!.example };
    };
    const items = (n: number) => (n === 1 ? '1 item' : `${n} items`);
    const change: { [key: string]: Json } = {};

    if (input.name !== undefined && input.name !== location.name) {
      change.name = { from: location.name, to: input.name };
      location.name = input.name;
    }

    if (input.capacity !== undefined && input.capacity !== (location.capacity ?? null)) {
      if (input.capacity !== null) {
        const [row] = await tx.execute<{ n: string }[]>(
          `select count(*) as n from items where location_id = ? and state in ('stored', 'in_locker')`,
          [location.id],
        );
        const n = Number(row!.n);
        if (n > input.capacity)
          throw new ConflictError(`${code} holds ${items(n)}: its capacity cannot be less than ${n}`);
      }
      change.capacity = {
        from: location.capacity == null ? null : String(location.capacity),
        to: input.capacity === null ? null : String(input.capacity),
      };
      location.capacity = input.capacity;
    }

    if (input.reservedForAgencyCode !== undefined) {
      const agency = input.reservedForAgencyCode
        ? await tx.findOne(Agency, { code: input.reservedForAgencyCode })
        : null;
      if (input.reservedForAgencyCode && !agency)
        throw new UnprocessableError(`agency ${input.reservedForAgencyCode} does not exist`);
      const before = location.reservedAgencyId ?? null;
      if ((agency?.id ?? null) !== before) {
        if (agency) {
          const others = await kept('i.owning_agency_id <> ?', [agency.id]);
          if (others.n > 0)
            throw new ConflictError(
              `${items(others.n)} of other agencies than ${agency.code} (${others.example} among them) are kept in ${code}: move them before reserving it`,
            );
        }
        const previous = before ? await tx.findOne(Agency, { id: before }) : null;
        change.reservedForAgencyCode = { from: previous?.code ?? null, to: agency?.code ?? null };
        location.reservedAgencyId = agency?.id ?? null;
      }
    }

    if (input.allowedCategories !== undefined) {
      const next = input.allowedCategories ? [...new Set(input.allowedCategories)] : null;
      const before = location.allowedCategories ?? null;
      if (!sameSet(next, before)) {
        if (next) {
          const others = await kept('i.category <> all (?::text[])', [arrayLiteral(next)]);
          if (others.n > 0)
            throw new ConflictError(
              `${items(others.n)} of other categories (${others.example} among them) are kept in ${code}: move them before limiting it to ${next.join(', ')}`,
            );
        }
        change.allowedCategories = { from: before, to: next };
        location.allowedCategories = next;
      }
    }

    if (input.features !== undefined) {
      const next = [...new Set(input.features)];
      const before = location.features;
      if (!sameSet(next, before)) {
        for (const feature of before.filter((f) => !next.includes(f))) {
          // Needed by an item below, and provided by no other place on its way up to the site.
          const needy = await kept(
            `i.category = any (?::text[]) and not exists (
               select 1 from locations c
                where c.id = any (string_to_array(trim(both '/' from l.path), '/')::uuid[])
                  and c.id <> ? and ? = any (c.features))`,
            [arrayLiteral(needing(feature)), location.id, feature],
          );
          if (needy.n > 0)
            throw new ConflictError(
              `${items(needy.n)} kept in ${code} (${needy.example} among them) must be kept in a ${feature} location: move them before taking ${feature} away`,
            );
        }
        change.features = { from: before, to: next };
        location.features = next;
      }
    }

    // Nothing changed, nothing recorded: the same form sent twice is harmless.
    if (Object.keys(change).length === 0) return location;
    await tx.flush();
    await recordDirectoryChange(tx, actor, {
      action: 'location.changed',
      subject: { kind: 'location', id: location.id },
      change: { code: location.code, ...change },
    });
    return location;
  });
}
