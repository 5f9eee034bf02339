import type { Sql } from '../custody/sql';
import type { DeviceRef } from './device.entity';

/** What a locker reports of one compartment: a door, its occupancy sensor, or a reading. */
export type CompartmentReport =
  | { door: 'front' | 'back'; state: 'open' | 'closed' }
  | { occupied: boolean }
  | { temperature?: number; humidity?: number };

/**
 * The moment a report speaks of: the device's own time, which orders its reports even when some were
 * buffered and sent late, but never later than the server received it, so that a clock running ahead cannot
 * make one report outrank every report after it.
 */
export function reportedAt(deviceTime: string, receivedAt: Date): Date {
  const claimed = new Date(deviceTime);
  return claimed.getTime() > receivedAt.getTime() ? receivedAt : claimed;
}

// Each part of the state has its own time: a late door message must not hide a newer reading, nor the reverse.
// Column names come from this table only.
const PARTS = {
  front: { set: 'front_door = excluded.front_door', at: 'front_door_at' },
  back: { set: 'back_door = excluded.back_door', at: 'back_door_at' },
  occupied: { set: 'occupied = excluded.occupied', at: 'occupied_at' },
  reading: {
    set: `temperature = coalesce(excluded.temperature, s.temperature), humidity = coalesce(excluded.humidity, s.humidity)`,
    at: 'reading_at',
  },
} as const;

/**
 * Keeps what a locker reported of one of its compartments (by code; a code that is not one of the locker's
 * compartments keeps nothing), unless the state already holds a report of that part made later by the
 * device's clock. Runs in the caller's transaction, if there is one. True when the state changed.
 */
export async function keepCompartmentState(
  sql: Sql,
  device: Pick<DeviceRef, 'id' | 'locationId'>,
  compartmentCode: string,
  report: CompartmentReport,
  at: Date,
): Promise<boolean> {
  if (!device.locationId) return false;
  const part = 'door' in report ? PARTS[report.door] : 'occupied' in report ? PARTS.occupied : PARTS.reading;
  const reading = !('door' in report) && !('occupied' in report) ? report : undefined;
  if (reading && reading.temperature === undefined && reading.humidity === undefined) return false;
  const values = {
    front_door: 'door' in report && report.door === 'front' ? report.state : null,
    back_door: 'door' in report && report.door === 'back' ? report.state : null,
    occupied: 'occupied' in report ? report.occupied : null,
    temperature: reading?.temperature ?? null,
    humidity: reading?.humidity ?? null,
  };
  const rows = await sql.execute<{ compartment_id: string }[]>(
    `insert into locker_compartment_states as s
            (compartment_id, device_id, front_door, back_door, occupied, temperature, humidity, ${part.at})
     select l.id, ?, ?, ?, ?, ?, ?, ?
       from locations l where l.code = ? and l.kind = 'compartment' and l.parent_id = ?
     on conflict (compartment_id) do update
        set ${part.set}, ${part.at} = excluded.${part.at}, device_id = excluded.device_id, updated_at = now()
      where s.${part.at} is null or s.${part.at} <= excluded.${part.at}
     returning s.compartment_id`,
    [
      device.id,
      values.front_door,
      values.back_door,
      values.occupied,
      values.temperature,
      values.humidity,
      at.toISOString(),
      compartmentCode,
      device.locationId,
    ],
  );
  return rows.length > 0;
}
