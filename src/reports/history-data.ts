import type { EntityManager } from '@mikro-orm/postgresql';
import { verifyBundle, type BundleCheck, type ProofBundle } from '../verifier/verify-bundle';
import type { CheckpointSigner } from '../custody/ledger/checkpoints';
import type { Envelope } from '../custody/ledger/events';
import { readAttachment } from '../custody/items/item-records';
import type { ItemView } from '../custody/items/item-queries';
import type { VerifierKey } from '../custody/ledger/note';
import { buildProofBundle } from '../custody/ledger/proof-bundle';
import { Attachment } from '../custody/items/records.entity';
import { leafHash } from '../custody/ledger/merkle';

/** Names people read in place of ids. */
export interface Names {
  user(id: string | null | undefined): string;
  agency(id: string | null | undefined): string;
  location(id: string | null | undefined): string;
}

export interface HistoryEvent {
  index: number;
  envelope: Envelope;
  leafHash: string;
}

export interface HistoryData {
  item: ItemView;
  photos: Buffer[];
  names: Names;
  /** Global index of a corrected event → item sequence number of the correction. */
  correctedBy: Map<number, number>;
  bundle: ProofBundle;
  check: BundleCheck;
  eventCount: number;
  /** The events in order, parsed one at a time as the report is drawn. */
  events: () => Generator<HistoryEvent>;
}

export async function loadNames(em: EntityManager): Promise<Names> {
  const [users, agencies, locations] = await Promise.all([
    em.execute<{ id: string; display_name: string; code: string }[]>(
      'select u.id, u.display_name, a.code from users u join agencies a on a.id = u.agency_id',
    ),
    em.execute<{ id: string; code: string }[]>('select id, code from agencies'),
    em.execute<{ id: string; code: string }[]>('select id, code from locations'),
  ]);
  const userNames = new Map(users.map((u) => [u.id, `${u.display_name} (${u.code})`]));
  const agencyCodes = new Map(agencies.map((a) => [a.id, a.code]));
  const locationCodes = new Map(locations.map((l) => [l.id, l.code]));
  const look = (map: Map<string, string>) => (id: string | null | undefined) => (id ? (map.get(id) ?? id) : '—');
  return { user: look(userNames), agency: look(agencyCodes), location: look(locationCodes) };
}

/**
 * Gathers an item's history for its report: the proof bundle (which also decides whether it verifies),
 * photographs whose files still match their ledger hash, names, and a reader of the events. `names` is given
 * when many histories are drawn together (a dossier), so that they are read once.
 */
export async function loadHistory(
  em: EntityManager,
  item: ItemView,
  signing: CheckpointSigner & { witnesses: VerifierKey[] },
  attachmentsDir: string,
  names?: Names,
): Promise<HistoryData> {
  const bundle = await buildProofBundle(em, item, signing);
  const check = await verifyBundle(bundle, signing.signer, signing.witnesses, 0);
  const photos: Buffer[] = [];
  for (const attachment of await em.find(
    Attachment,
    { itemId: item.id, kind: 'photo' },
    { orderBy: { createdAt: 'asc' }, limit: 4 },
  )) {
    photos.push(await readAttachment(attachmentsDir, attachment).catch(() => Buffer.alloc(0)));
  }
  const corrections = await em.execute<{ corrects: string; item_seq: number }[]>(
    `select canonical::jsonb #>> '{payload,corrects}' as corrects, item_seq from ledger_events where item_id = ? and type = 'correction'`,
    [item.id],
  );
  // The events are those of the bundle, exactly what was verified; each is parsed only when drawn.
  function* events(): Generator<HistoryEvent> {
    for (const event of bundle.events) {
      yield {
        index: event.index,
        envelope: JSON.parse(event.canonical) as Envelope,
        leafHash: leafHash(event.canonical).toString('hex'),
      };
    }
  }
  return {
    item,
    photos,
    names: names ?? (await loadNames(em)),
    correctedBy: new Map(corrections.map((c) => [Number(c.corrects), c.item_seq])),
    bundle,
    check,
    eventCount: bundle.events.length,
    events,
  };
}
