import { createHmac, createSecretKey, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import jwt from 'jsonwebtoken';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ForbiddenError, UnauthorizedError } from '../errors';
import { loadAccount, type Account, type Caller } from '../custody/directory/caller';
import { CallerCache } from '../custody/directory/caller-cache';
import { pooledSql } from '../custody/sql';
import type { Role } from '../custody/directory/user.entity';

export type { Caller };

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
    /** The bearer token the caller came with. */
    token?: SignedInToken;
    /** The token came in the console's session cookie, not in an Authorization header. */
    viaSessionCookie?: boolean;
  }
}

export interface SignedInToken {
  id: string;
  expiresAt: Date;
  /** The caller's password was set by an administrator: this token allows only changing it. */
  mustChangePassword: boolean;
  /**
   * The caller as they are now, for a long-lived answer (a change stream) that must stop when the token is
   * signed out or the user changes; throws UnauthorizedError when the token is no longer good.
   */
  recheck(): Promise<Caller>;
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

/**
 * A token for the user under their current token version (`tv`), with an id of its own (`jti`) by which
 * it can be signed out alone.
 */
export function issueToken(
  settings: TokenSettings,
  user: { id: string; tokenVersion: number },
): { accessToken: string; expiresIn: number } {
  const accessToken = jwt.sign({ tv: user.tokenVersion }, keyOf(settings.secret), {
    algorithm: 'HS256',
    subject: user.id,
    jwtid: randomUUID(),
    issuer: ISSUER,
    audience: AUDIENCE,
    expiresIn: settings.ttlSeconds,
  });
  return { accessToken, expiresIn: settings.ttlSeconds };
}

interface Claims {
  sub: string;
  jti: string;
  tv: number;
  exp: number;
}

function verifyToken(settings: TokenSettings, token: string): Claims {
  try {
    const claims = jwt.verify(token, keyOf(settings.secret), {
      algorithms: ALGORITHMS,
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    if (typeof claims === 'string' || typeof claims.sub !== 'string') throw new Error('no subject');
    // Without its id and version a token could be neither signed out nor ended by a new password, and
    // without an expiry it would never end.
    if (typeof claims.jti !== 'string' || !Number.isSafeInteger(claims.tv) || typeof claims.exp !== 'number')
      throw new Error('no token id, version or expiry');
    return { sub: claims.sub, jti: claims.jti, tv: claims.tv as number, exp: claims.exp };
  } catch (err) {
    const expired = err instanceof jwt.TokenExpiredError;
    throw new UnauthorizedError(
      expired ? 'the access token has expired; sign in again' : 'the access token is not valid',
    );
  }
}

const MAX_VERIFIED = 10_000;

/**
 * Tokens that have verified, with their subject, until they expire: a client sends the same token with
 * every request, and checking its signature and claims each time was a visible share of the server's CPU
 * under the command load (docs/benchmarks.md, "Why the code is shaped so"). Only a token that verified is kept (every such token has an expiry); at
 * its expiry it is dropped and checked again, so it is refused as expired. One per authenticate(), so a
 * token is never taken for verified under another secret.
 */
class VerifiedTokens {
  private readonly kept = new Map<string, Claims & { expiresAt: number }>();

  constructor(private readonly settings: TokenSettings) {}

  /** The token's claims, or UnauthorizedError. Whether it was signed out is the Account's to say. */
  claimsOf(token: string): Claims {
    const known = this.kept.get(token);
    if (known && Date.now() < known.expiresAt) return known;
    this.kept.delete(token);
    const claims = verifyToken(this.settings, token);
    // The oldest kept first out: a Map iterates in the order of insertion.
    if (this.kept.size >= MAX_VERIFIED) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(token, { ...claims, expiresAt: claims.exp * 1000 });
    return claims;
  }
}

/** The accounts of this process's callers, loaded from the pool (kept once `watch` runs: see CallerCache). */
export function callerCache(orm: MikroORM): CallerCache<Account> {
  const sql = pooledSql(orm);
  return new CallerCache((id) => loadAccount(sql, id));
}

/** The console's session: the token in an httpOnly cookie the page's scripts cannot read. */
export const SESSION_COOKIE = 'custody_session';
/** The CSRF token, readable by the console's scripts, which send it back in CSRF_HEADER. */
export const CSRF_COOKIE = 'custody_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The CSRF token of a session: a MAC of its token id under the server's secret. Another site can make the
 * browser send the session cookie, but it can neither read the CSRF cookie nor compute this.
 */
export function csrfTokenOf(settings: TokenSettings, tokenId: string): string {
  return createHmac('sha256', keyOf(settings.secret)).update(`csrf\0${tokenId}`).digest('base64url');
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Sets the console's cookies for a new token; `Secure` when the request came over TLS. */
export function setSessionCookies(
  req: Request,
  res: Response,
  settings: TokenSettings,
  token: { accessToken: string; expiresIn: number },
): string {
  const id = (jwt.decode(token.accessToken) as { jti: string }).jti;
  const csrfToken = csrfTokenOf(settings, id);
  const common = { sameSite: 'strict' as const, secure: req.secure, maxAge: token.expiresIn * 1000 };
  res.cookie(SESSION_COOKIE, token.accessToken, { ...common, httpOnly: true, path: '/api' });
  res.cookie(CSRF_COOKIE, csrfToken, { ...common, path: '/' });
  return csrfToken;
}

export function clearSessionCookies(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, { sameSite: 'strict', secure: req.secure, httpOnly: true, path: '/api' });
  res.clearCookie(CSRF_COOKIE, { sameSite: 'strict', secure: req.secure, path: '/' });
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Requires a valid token, from an Authorization: Bearer header (API clients) or from the console's session
 * cookie, and its user as they are now, so that a deactivated user, a changed role, a signed-out token or a
 * new password takes effect at once, not when the token expires (the CallerCache forgets an account on any
 * change to users or signed-out tokens). A state-changing request authenticated by the cookie must also
 * carry the session's CSRF token: the browser attaches the cookie to a cross-site form or fetch, not the token.
 */
export function authenticate(callers: CallerCache<Account>, settings: TokenSettings): RequestHandler {
  const recheck = sessionCheck(callers, settings);
  return async (req, res, next) => {
    const header = req.headers.authorization;
    const session = header === undefined ? cookie(req, SESSION_COOKIE) : undefined;
    const match = session === undefined ? header?.match(/^Bearer ([A-Za-z0-9_.-]+)$/) : undefined;
    const token = session ?? match?.[1];
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="custody"');
      throw new UnauthorizedError(
        'this route needs an access token (Authorization: Bearer <token>) or a console session: sign in',
      );
    }
    const claims = recheck.claimsOf(token);
    if (session !== undefined && !SAFE_METHODS.has(req.method)) {
      const given = req.headers[CSRF_HEADER];
      if (typeof given !== 'string' || !sameText(given, csrfTokenOf(settings, claims.jti))) {
        throw new ForbiddenError(
          `this request came with the console's session cookie but without its CSRF token (${CSRF_HEADER} header): a page of another site cannot act in your name`,
        );
      }
    }
    const account = await recheck.account(claims);
    req.caller = account.caller;
    req.token = {
      id: claims.jti,
      expiresAt: new Date(claims.exp * 1000),
      mustChangePassword: account.mustChangePassword,
      recheck: async () => (await recheck.account(recheck.claimsOf(token))).caller,
    };
    req.viaSessionCookie = session !== undefined;
    next();
  };
}

/** Checks a token's claims and loads its user as they are now; throws UnauthorizedError when either fails. */
function sessionCheck(callers: CallerCache<Account>, settings: TokenSettings) {
  const tokens = new VerifiedTokens(settings);
  return {
    claimsOf: (token: string) => tokens.claimsOf(token),
    async account(claims: Claims): Promise<Account> {
      const account = await callers.get(claims.sub);
      if (!account) throw new UnauthorizedError('this user no longer exists or has been deactivated');
      if (claims.tv !== account.tokenVersion || account.revokedTokenIds.has(claims.jti)) {
        throw new UnauthorizedError(
          'this token has been signed out (by the user, or by a new password); sign in again',
        );
      }
      return account;
    },
  };
}

/** Refuses every route but the password change (and signing out) to a token whose password must be changed. */
export const requireOwnPassword: RequestHandler = (req, _res, next) => {
  if (req.token?.mustChangePassword) {
    throw new ForbiddenError(
      'an administrator set this password: change the password first (POST /api/v1/auth/password); until then this token allows nothing else',
    );
  }
  next();
};

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
