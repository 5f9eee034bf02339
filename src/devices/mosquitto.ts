import type { EntityManager } from '@mikro-orm/postgresql';
import { Device } from './device.entity';
import { mosquittoHash } from './registry';
import { TOPIC_ROOT } from './topics';

/**
 * The device rights of the embedded broker, written for an external Mosquitto 2.0: a password file (active
 * devices only, and the server's own account) and an ACL file in which every device may publish and
 * subscribe under its own prefix only, its kind's and its id's. Mosquitto's patterns know the username
 * (%u, the device id) but not the kind, so each device has a section of its own.
 */
export async function mosquittoFiles(
  em: EntityManager,
  server: { username: string; password: string },
): Promise<{ passwords: string; acl: string }> {
  const devices = await em.find(
    Device,
    { active: true, mosquittoHash: { $ne: null } },
    { fields: ['id', 'kind', 'mosquittoHash'], orderBy: { id: 'asc' } },
  );
  const passwords = [
    `${server.username}:${mosquittoHash(server.password)}`,
    ...devices.map((d) => `${d.id}:${d.mosquittoHash}`),
  ].join('\n');
  const sections = devices.map((d) => {
    const prefix = `${TOPIC_ROOT}/${d.kind}/${d.id}`;
    return [
      `user ${d.id}`,
      `topic write ${prefix}/evt/#`,
      `topic write ${prefix}/tele`,
      `topic write ${prefix}/status`,
      `topic write ${prefix}/cmd/res`,
      `topic read ${prefix}/ack`,
      `topic read ${prefix}/cmd/#`,
    ].join('\n');
  });
  const acl = [`user ${server.username}\ntopic readwrite ${TOPIC_ROOT}/#`, ...sections].join('\n\n');
  return { passwords: `${passwords}\n`, acl: `${acl}\n` };
}
