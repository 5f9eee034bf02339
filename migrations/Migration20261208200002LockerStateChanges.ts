import { Migration } from '@mikro-orm/migrations';

export class Migration20261208200002LockerStateChanges extends Migration {
  override async up(): Promise<void> {
    // A compartment's door, occupancy or temperature changing is told on the change stream (as a device's
    // change: the centre's business), so the lockers page shows it at once. Readings come every few seconds;
    // only a change of half a degree or more is told.
    this.addSql(`create function custody_compartment_changed() returns trigger language plpgsql as $$
      begin
        perform custody_change('device', '{}', jsonb_build_object('id', new.device_id, 'compartmentId', new.compartment_id,
          'frontDoor', new.front_door, 'backDoor', new.back_door, 'occupied', new.occupied, 'temperature', new.temperature));
        return null;
      end $$`);
    this.addSql(`create constraint trigger locker_compartment_states_added after insert on locker_compartment_states
      deferrable initially deferred for each row execute function custody_compartment_changed()`);
    this.addSql(`create constraint trigger locker_compartment_states_changed after update on locker_compartment_states
      deferrable initially deferred for each row
      when (old.front_door is distinct from new.front_door or old.back_door is distinct from new.back_door
        or old.occupied is distinct from new.occupied
        or (old.temperature is null) <> (new.temperature is null) or abs(new.temperature - old.temperature) >= 0.5)
      execute function custody_compartment_changed()`);
  }
}
