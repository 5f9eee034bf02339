import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { carriedOut, currentCommandKey, KEY_LIFETIME_HOURS, withCommandKey } from '../custody/items/command-keys';
import { ConflictError, UnprocessableError, ValidationError } from '../errors';

const KEY = /^[A-Za-z0-9_.:-]{8,128}$/;
/** A key still unanswered this long after it was taken belongs to a request that will never answer. */
const ABANDONED_AFTER_SECONDS = 60;

/**
 * Fields that hold a secret (a second person's password, a device's): left out of the request hash, so that a
 * database dump is no guessing oracle for them, and never kept in a stored answer.
 */
const SECRET_FIELD = /(password|secret|token)$/i;

/** The stored answer: the answer itself, or, when it held a secret, only what a retry is told instead. */
type StoredAnswer = { contentType: string; body: unknown } | { secretWithheld: string };

interface Stored {
  request_hash: Buffer;
  status: number | null;
  response: StoredAnswer | null;
  carried_out: boolean;
  abandoned: boolean;
  created_at: string;
}

/**
 * Marks the key of the request being handled as carried out, inside every transaction the request commits:
 * the mark and the command's changes commit together or not at all.
 */
export class KeyedCommandSubscriber implements EventSubscriber {
  async beforeTransactionCommit({ em, transaction }: TransactionEventArgs): Promise<void> {
    const key = currentCommandKey();
    if (!key) return;
    const mark = carriedOut([key]);
    await em.getConnection().execute(mark.sql, mark.params, 'run', transaction);
  }
}

const withoutSecrets = (field: string, value: unknown) => (SECRET_FIELD.test(field) ? undefined : value);

/** A text under a secret's name, at any depth (a flag such as `mustChangePassword: true` is no secret). */
const holdsSecret = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  Object.entries(value).some(([field, v]) => (SECRET_FIELD.test(field) && typeof v === 'string') || holdsSecret(v));

/** What a retry of a request whose answer showed a secret learns: that it was carried out, and where. */
function secretWithheld(status: number, location: unknown): string {
  const where = typeof location === 'string' ? `read ${location}` : 'read the record it created or changed';
  return (
    `this request was carried out (answered ${status}), and its answer held a secret, which is shown once only and not kept: ` +
    `${where}; to get a new secret, issue a new one (e.g. rotate the password)`
  );
}

/**
 * `Idempotency-Key` on a state-changing request: the first answer is stored under (user, key) before it is
 * sent, and a retry with the same key and request gets that answer again without running the command.
 * Answers of 500 and above are not kept, so that a retry after a failure runs again. If the server stopped
 * before answering, a retry learns from the key whether the command was carried out (then it is not run
 * again) or not (then, once the first attempt is clearly gone, it runs). A key is kept for a day: an older one
 * is a new request, as if never used (a retry comes within seconds or minutes; a day is ample, and a key kept
 * longer only keeps data). Neither the request's secrets nor an answer's are stored (see SECRET_FIELD).
 */
export function idempotency(orm: MikroORM): RequestHandler {
  return async (req, res, next) => {
    const key = req.header('idempotency-key');
    if (key === undefined) return next();
    if (!KEY.test(key))
      throw new ValidationError('Idempotency-Key must be 8 to 128 letters, digits, _ . : or -', [
        { in: 'header', field: 'Idempotency-Key', detail: 'must be 8 to 128 letters, digits, _ . : or -' },
      ]);
    const userId = req.caller!.id;
    const body = Buffer.isBuffer(req.body)
      ? createHash('sha256').update(req.body).digest('hex')
      : JSON.stringify(req.body ?? null, withoutSecrets);
    const hash = createHash('sha256').update(`${req.method} ${req.originalUrl}\n${body}`).digest();
    const connection = orm.em.getConnection();
    await connection.execute(
      'delete from idempotency_keys where user_id = ? and key = ? and created_at < now() - make_interval(hours => ?)',
      [userId, key, KEY_LIFETIME_HOURS],
    );
    const inserted = await connection.execute<{ key: string }[]>(
      `insert into idempotency_keys (user_id, key, method, path, request_hash) values (?, ?, ?, ?, ?)
       on conflict do nothing returning key`,
      [userId, key, req.method, req.originalUrl, hash],
    );
    if (inserted.length === 0) {
      const [stored] = await connection.execute<Stored[]>(
        `select request_hash, status, response, carried_out, created_at::text,
                created_at < now() - make_interval(secs => ?) as abandoned
           from idempotency_keys where user_id = ? and key = ?`,
        [ABANDONED_AFTER_SECONDS, userId, key],
      );
      if (!stored!.request_hash.equals(hash)) {
        throw new UnprocessableError('this Idempotency-Key was already used for a different request');
      }
      if (stored!.response && 'secretWithheld' in stored!.response)
        throw new ConflictError(stored!.response.secretWithheld);
      if (stored!.status !== null && stored!.response) {
        res.setHeader('Idempotent-Replayed', 'true');
        res.status(stored!.status).type(stored!.response.contentType).send(JSON.stringify(stored!.response.body));
        return;
      }
      if (stored!.carried_out) {
        throw new ConflictError(
          'this request was carried out, but the server stopped before answering it: read the record it changed to see the result',
        );
      }
      // Taken over only once, by whichever retry gets here first.
      const takenOver = stored!.abandoned
        ? await connection.execute<{ key: string }[]>(
            `update idempotency_keys set created_at = now()
              where user_id = ? and key = ? and status is null and not carried_out and created_at = ?::timestamptz returning key`,
            [userId, key, stored!.created_at],
          )
        : [];
      if (takenOver.length === 0)
        throw new ConflictError('a request with this Idempotency-Key is still being processed; retry shortly');
    }
    const send = res.json.bind(res);
    res.json = (payload: unknown) => {
      const status = res.statusCode;
      const contentType = String(res.getHeader('content-type') ?? 'application/json').split(';')[0]!;
      const stored =
        status >= 500
          ? connection.execute('delete from idempotency_keys where user_id = ? and key = ? and not carried_out', [
              userId,
              key,
            ])
          : connection.execute('update idempotency_keys set status = ?, response = ? where user_id = ? and key = ?', [
              status,
              JSON.stringify(
                holdsSecret(payload)
                  ? { secretWithheld: secretWithheld(status, res.getHeader('location')) }
                  : { contentType, body: payload },
              ),
              userId,
              key,
            ]);
      stored.then(
        () => send(payload),
        (err: unknown) => {
          req.log.error({ err }, 'could not store the idempotent answer');
          send(payload);
        },
      );
      return res;
    };
    withCommandKey({ userId, key }, next);
  };
}
