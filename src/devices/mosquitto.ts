import type { EntityManager } from '@mikro-orm/postgresql';
import { Device } from './device.entity';
import { mosquittoHash } from './registry';
import { TOPIC_ROOT } from './topics';

/**
 * The device rights of the embedded broker, written for an external Mosquitto 2.0: a password file (active
 * devices only, and the server's own account) and an ACL file in which every device may publish and
 * subscribe under its own prefix only (%u is the username, which is the device id).
 */
export async function mosquittoFiles(em: EntityManager, server: { username: string; password: string }): Promise<{ passwords: string; acl: string }> {
  const devices = await em.find(Device, { active: true, mosquittoHash: { $ne: null } }, { fields: ['id', 'mosquittoHash'], orderBy: { id: 'asc' } });
  const passwords = [`${server.username}:${mosquittoHash(server.password)}`, ...devices.map((d) => `${d.id}:${d.mosquittoHash}`)].join('\n');
  const acl = [
    `user ${server.username}`,
    `topic readwrite ${TOPIC_ROOT}/#`,
    '',
    `pattern write ${TOPIC_ROOT}/+/%u/evt/#`,
    `pattern write ${TOPIC_ROOT}/+/%u/tele`,
    `pattern write ${TOPIC_ROOT}/+/%u/status`,
    `pattern write ${TOPIC_ROOT}/+/%u/cmd/res`,
    `pattern read ${TOPIC_ROOT}/+/%u/ack`,
    `pattern read ${TOPIC_ROOT}/+/%u/cmd/#`,
  ].join('\n');
  return { passwords: `${passwords}\n`, acl: `${acl}\n` };
}
