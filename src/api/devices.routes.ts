import { z } from 'zod';
import { Device, DEVICE_KINDS, SCANNER_MODES } from '../devices/device.entity';
import { disableDevice, findDevice, presentDevice, registerDevice, rotateDevicePassword } from '../devices/registry';
import { createUnlockCommand } from '../devices/locker';
import { recordDirectoryChange, type DirectoryChange } from '../custody/directory/directory-log';
import type { Caller } from '../custody/directory/caller';
import { closeOperatorSessions, CODE_SECONDS, openOperatorCode, SESSION_SECONDS } from '../devices/operators';
import { brokerAddresses } from '../devices/addresses';
import { UnavailableError } from '../errors';
import { pageOf, pageQuery, uuidParam } from './common.schemas';
import { locationCode } from './custody.schemas';
import type { AppDeps } from './deps';
import type { Api } from './route';

const deviceSchema = z.object({
  id: z.uuid(),
  code: z.string(),
  kind: z.enum(DEVICE_KINDS),
  mode: z.enum(SCANNER_MODES).nullable(),
  active: z.boolean(),
  locationId: z.uuid().nullable().describe('where it stands: a locker is its own location'),
  online: z.boolean().describe('connected to the broker now, as its last status message or will said'),
  lastSeenAt: z.iso.datetime().nullable().describe('when it was last heard from'),
  createdAt: z.iso.datetime(),
  username: z.string().describe('also its MQTT client id: the device id'),
  topic: z.string().describe('the prefix of every topic it may use'),
});
const withPassword = deviceSchema.extend({ password: z.string() });

/**
 * Runs a change to a device and records it in the directory log, in one transaction (the registry's
 * own transaction joins it). What is recorded is named here, field by field: never a password or hash.
 */
function recorded<T extends { device: Device }>(
  orm: AppDeps['orm'],
  caller: Caller,
  action: string,
  run: (tx: AppDeps['orm']['em']) => Promise<T>,
  change: (device: Device) => DirectoryChange['change'] = () => ({}),
): Promise<T> {
  return orm.em.transactional(async (tx) => {
    const result = await run(tx);
    await recordDirectoryChange(tx, caller, {
      action,
      subject: { kind: 'device', id: result.device.id },
      change: change(result.device),
    });
    return result;
  });
}

const registered = (d: Device) => ({
  code: d.code,
  kind: d.kind,
  locationId: d.locationId ?? null,
  mode: d.mode ?? null,
});

export function deviceRoutes(api: Api, { orm, devices, config }: AppDeps): void {
  api.add({
    method: 'post',
    path: '/devices',
    summary: 'Register a scanner or smart locker; its MQTT password is in this answer only',
    tag: 'devices',
    access: ['admin'],
    body: z.strictObject({
      code: locationCode,
      kind: z.enum(DEVICE_KINDS),
      locationCode: locationCode.optional(),
      mode: z.enum(SCANNER_MODES).optional(),
    }),
    responses: { 201: { description: 'registered', schema: withPassword } },
    handler: async ({ res, body, caller }) => {
      const { device, password } = await recorded(
        orm,
        caller,
        'device.registered',
        (tx) => registerDevice(tx, body),
        registered,
      );
      res
        .status(201)
        .location(`/api/v1/devices/${device.id}`)
        .json({ ...presentDevice(device), password });
    },
  });

  api.add({
    method: 'get',
    path: '/devices',
    summary: 'List devices',
    tag: 'devices',
    access: ['admin', 'warehouse'],
    query: pageQuery,
    responses: { 200: { description: 'a page of devices', schema: pageOf(deviceSchema) } },
    handler: async ({ res, query }) => {
      const [list, total] = await orm.em.findAndCount(
        Device,
        {},
        { orderBy: { code: 'asc' }, limit: query.limit, offset: query.offset },
      );
      res.json({ items: list.map(presentDevice), total, limit: query.limit, offset: query.offset });
    },
  });

  // Before /devices/{id}, which would take `broker` for an id.
  api.add({
    method: 'get',
    path: '/devices/broker',
    summary:
      "Where devices connect: the broker's URLs (most secure first) and the topic root; a device signs in with its id as client id and username",
    tag: 'devices',
    access: ['admin'],
    responses: {
      200: {
        description: 'the addresses',
        schema: z.object({
          urls: z.array(z.string()).describe('mqtts://, mqtt://, ws://; empty when the broker has no fixed port'),
          topicRoot: z.string(),
        }),
      },
    },
    handler: async ({ req, res }) => {
      res.json(brokerAddresses(config, req.hostname));
    },
  });

  api.add({
    method: 'get',
    path: '/devices/{id}',
    summary: 'Read a device',
    tag: 'devices',
    access: ['admin', 'warehouse'],
    params: uuidParam,
    responses: { 200: { description: 'the device', schema: deviceSchema } },
    handler: async ({ res, params }) => {
      res.json(presentDevice(await findDevice(orm.em, params.id)));
    },
  });

  api.add({
    method: 'post',
    path: '/devices/{id}/rotate-password',
    summary: 'Give a device a new MQTT password (shown once); its current connection is cut',
    tag: 'devices',
    access: ['admin'],
    params: uuidParam,
    responses: { 200: { description: 'the new password', schema: withPassword } },
    handler: async ({ res, params, caller }) => {
      const { device, password } = await recorded(orm, caller, 'device.password_rotated', (tx) =>
        rotateDevicePassword(tx, params.id),
      );
      devices?.disconnect(device.id);
      res.json({ ...presentDevice(device), password });
    },
  });

  api.add({
    method: 'post',
    path: '/lockers/{deviceId}/compartments/{c}/unlock',
    summary:
      "Open a compartment's back door for the caller to take its items; the command expires, and a late one does nothing",
    tag: 'devices',
    access: ['warehouse'],
    params: z.object({ deviceId: z.uuid(), c: locationCode }),
    body: z.strictObject({ ttlSeconds: z.number().int().min(5).max(600).default(60) }),
    responses: {
      202: {
        description: 'the command sent',
        schema: z.object({ cmdId: z.uuid(), compartment: z.string(), expiresAt: z.iso.datetime() }),
      },
    },
    handler: async ({ res, params, body, caller }) => {
      if (!devices) throw new UnavailableError('no broker runs in this process');
      const { device, command } = await createUnlockCommand(orm.em, caller, params.deviceId, params.c, body.ttlSeconds);
      await devices.command(device.kind, device.id, 'unlock', command);
      res.status(202).json(command);
    },
  });

  api.add({
    method: 'post',
    path: '/devices/{id}/operator-session',
    summary: `A code (6 digits, valid ${CODE_SECONDS} s, used once) for the caller to sign in at this scanner; the station sends it on evt/operator, and its scans are then in the caller's name`,
    tag: 'devices',
    access: ['warehouse'],
    params: uuidParam,
    body: z.strictObject({
      sessionSeconds: z.number().int().min(60).max(SESSION_SECONDS.max).default(SESSION_SECONDS.default),
    }),
    // The code signs its holder in at the station: never kept in an idempotency record, and a retry gets a new one.
    withoutIdempotencyKey: true,
    responses: {
      201: {
        description: 'the code, shown to the caller only',
        schema: z.object({
          deviceId: z.uuid(),
          code: z.string(),
          codeExpiresAt: z.iso.datetime(),
          sessionSeconds: z.number().int(),
        }),
      },
    },
    handler: async ({ res, params, body, caller }) => {
      res.status(201).json(await openOperatorCode(orm.em, caller, params.id, body.sessionSeconds));
    },
  });

  api.add({
    method: 'delete',
    path: '/devices/{id}/operator-session',
    summary: 'Sign the caller out at this scanner: their session there and their waiting codes end',
    tag: 'devices',
    access: ['warehouse'],
    params: uuidParam,
    responses: {
      200: { description: 'how many sessions or codes ended', schema: z.object({ ended: z.number().int() }) },
    },
    handler: async ({ res, params, caller }) => {
      res.json({ ended: await closeOperatorSessions(orm.em, caller, params.id) });
    },
  });

  api.add({
    method: 'post',
    path: '/devices/{id}/disable',
    summary: 'Disable a device: refused from now on, and its open connection is cut at once',
    tag: 'devices',
    access: ['admin'],
    params: uuidParam,
    responses: { 200: { description: 'disabled', schema: deviceSchema } },
    handler: async ({ res, params, caller }) => {
      const { device } = await recorded(orm, caller, 'device.disabled', async (tx) => ({
        device: await disableDevice(tx, params.id),
      }));
      devices?.disconnect(device.id);
      res.json(presentDevice(device));
    },
  });
}
