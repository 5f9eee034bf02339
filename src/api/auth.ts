import { createSecretKey, type KeyObject } from 'node:crypto';
import type { RequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ForbiddenError, UnauthorizedError } from '../errors';
import { loadCaller, type Caller } from '../custody/caller';
import { CallerCache } from '../custody/caller-cache';
import { pooledSql } from '../custody/sql';
import type { Role } from '../custody/user.entity';

export type { Caller };

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
  }
}

export interface TokenSettings {
  secret: string;
  ttlSeconds: number;
}

const ISSUER = 'custody';
const AUDIENCE = 'custody-api';
// An explicit allow-list: `none` and public-key algorithms (key confusion) are never accepted.
const ALGORITHMS: jwt.Algorithm[] = ['HS256'];

// jsonwebtoken first tries a string secret as a public key and catches the failure, which costs most of a
// millisecond a request; a secret KeyObject, made once per secret, skips that.
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
  return key;
}

export function issueToken(settings: TokenSettings, userId: string): { accessToken: string; expiresIn: number } {
  const accessToken = jwt.sign({}, keyOf(settings.secret), {
    algorithm: 'HS256',
    subject: userId,
    issuer: ISSUER,
    audience: AUDIENCE,
    expiresIn: settings.ttlSeconds,
  });
  return { accessToken, expiresIn: settings.ttlSeconds };
}

function verifyToken(settings: TokenSettings, token: string): { sub: string; exp: number | undefined } {
  try {
    const claims = jwt.verify(token, keyOf(settings.secret), { algorithms: ALGORITHMS, issuer: ISSUER, audience: AUDIENCE });
    if (typeof claims === 'string' || typeof claims.sub !== 'string') throw new Error('no subject');
    return { sub: claims.sub, exp: claims.exp };
  } catch (err) {
    const expired = err instanceof jwt.TokenExpiredError;
    throw new UnauthorizedError(expired ? 'the access token has expired; sign in again' : 'the access token is not valid');
  }
}

const MAX_VERIFIED = 10_000;

/**
 * Tokens that have verified, with their subject, until they expire: a client sends the same token with
 * every request, and checking its signature and claims each time was about 6% of the server's CPU under
 * the command load (profiled). Only a token that verified is kept, and only one with an expiry; at its
 * expiry it is dropped and checked again, so it is refused as expired. One per authenticate(), so a
 * token is never taken for verified under another secret.
 */
class VerifiedTokens {
  private readonly kept = new Map<string, { sub: string; expiresAt: number }>();

  constructor(private readonly settings: TokenSettings) {}

  /** The token's subject, or UnauthorizedError. */
  subjectOf(token: string): string {
    const known = this.kept.get(token);
    if (known && Date.now() < known.expiresAt) return known.sub;
    this.kept.delete(token);
    const { sub, exp } = verifyToken(this.settings, token);
    if (exp !== undefined) {
      // The oldest kept first out: a Map iterates in the order of insertion.
      if (this.kept.size >= MAX_VERIFIED) this.kept.delete(this.kept.keys().next().value!);
      this.kept.set(token, { sub, expiresAt: exp * 1000 });
    }
    return sub;
  }
}

/** The callers of this process, loaded from the pool (kept once `watch` runs: see CallerCache). */
export function callerCache(orm: MikroORM): CallerCache {
  const sql = pooledSql(orm);
  return new CallerCache((id) => loadCaller(sql, { id }));
}

/**
 * Requires a valid bearer token and its user as they are now, so that a deactivated user or a changed
 * role takes effect at once, not when the token expires (the CallerCache forgets a caller on any change).
 */
export function authenticate(callers: CallerCache, settings: TokenSettings): RequestHandler {
  const tokens = new VerifiedTokens(settings);
  return async (req, res, next) => {
    const header = req.headers.authorization;
    const match = header?.match(/^Bearer ([A-Za-z0-9_.-]+)$/);
    if (!match) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="custody"');
      throw new UnauthorizedError('this route needs an access token: Authorization: Bearer <token>');
    }
    const userId = tokens.subjectOf(match[1]!);
    const caller = await callers.get(userId);
    if (!caller) throw new UnauthorizedError('this user no longer exists or has been deactivated');
    req.caller = caller;
    next();
  };
}

export function requireRole(roles: readonly Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.caller?.roles.some((role) => roles.includes(role))) {
      throw new ForbiddenError(`this action needs one of the roles: ${roles.join(', ')}`);
    }
    next();
  };
}

const CROSS_AGENCY_ROLES: readonly Role[] = ['inspector', 'admin'];

/**
 * The agency whose records the caller may see, or null when the caller sees every agency's.
 * Queries add it as a filter; a record outside it is reported as not found.
 */
export function agencyScope(caller: Caller): string | null {
  return caller.roles.some((role) => CROSS_AGENCY_ROLES.includes(role)) ? null : caller.agencyId;
}
