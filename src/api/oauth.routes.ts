import type { Request } from 'express';
import { AppError, UnauthorizedError } from '../errors';
import { signIn } from '../custody/directory/sign-in';
import { issueToken } from './auth';
import { oauthTokenSchema, tokenRequestBody } from './directory.schemas';
import type { AppDeps } from './deps';
import type { Api } from './route';

/**
 * An error of the token endpoint as RFC 6749 §5.2 names it (`error`, `error_description`), carried as members
 * of the problem+json body that every error of the API is: an OAuth library reads the first, a person the
 * `detail`.
 */
class OAuthError extends AppError {
  readonly code: string;
  constructor(
    readonly status: 400 | 401,
    error: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type',
    detail: string,
  ) {
    super(detail, { error, error_description: detail });
    this.code = error.replace(/_/g, '-');
  }
}

/** The client's id and secret, from HTTP Basic (RFC 6749 §2.3.1: each form-encoded first) or the form. */
function clientCredentials(
  req: Request,
  body: { client_id?: string; client_secret?: string },
): { id: string; secret: string } {
  const basic = req.headers.authorization?.match(/^Basic ([A-Za-z0-9+/=]+)$/i)?.[1];
  const inForm = body.client_id !== undefined || body.client_secret !== undefined;
  if (basic && inForm) {
    throw new OAuthError(
      400,
      'invalid_request',
      'send the client credentials one way: in the Authorization header or in the form, not both',
    );
  }
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const unform = (part: string) => {
      try {
        return decodeURIComponent(part.replace(/\+/g, ' '));
      } catch {
        throw new OAuthError(400, 'invalid_request', 'the Basic credentials are not form-encoded');
      }
    };
    if (colon >= 0) return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
  }
  if (body.client_id && body.client_secret) return { id: body.client_id, secret: body.client_secret };
  throw new OAuthError(
    401,
    'invalid_client',
    'the client authenticates with its client_id and client_secret: HTTP Basic, or client_id and client_secret in the form',
  );
}

/** The OAuth 2.0 token endpoint, for API clients' client-credentials grant (RFC 6749 §4.4). */
export function oauthRoutes(api: Api, { orm, tokens, loginThrottle }: AppDeps): void {
  api.add({
    method: 'post',
    path: '/oauth/token',
    summary:
      'OAuth 2.0 client-credentials grant (RFC 6749 §4.4): an API client (POST /clients) trades its client_id and client_secret, by HTTP Basic or in the form, for a bearer token that acts as the client',
    tag: 'auth',
    access: 'public',
    formBody: true,
    body: tokenRequestBody,
    responses: { 200: { description: 'a token', schema: oauthTokenSchema } },
    handler: async ({ req, res, body }) => {
      // Whatever the answer, an intermediary keeps none of it (RFC 6749 §5.1).
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Pragma', 'no-cache');
      if (body.grant_type === undefined) throw new OAuthError(400, 'invalid_request', 'grant_type is missing');
      if (body.grant_type !== 'client_credentials') {
        throw new OAuthError(
          400,
          'unsupported_grant_type',
          `grant_type ${body.grant_type} is not offered: only client_credentials`,
        );
      }
      // RFC 6749 §5.2: a client that failed to authenticate is told how to.
      res.setHeader('WWW-Authenticate', 'Basic realm="custody"');
      const { id, secret } = clientCredentials(req, body);
      const address = req.ip ?? 'unknown';
      const client = await signIn(orm.em, { username: id, password: secret, address }, loginThrottle, 'client').catch(
        (err: unknown) => {
          if (err instanceof UnauthorizedError)
            throw new OAuthError(
              401,
              'invalid_client',
              'the client_id or client_secret is wrong, or the client is revoked',
            );
          throw err;
        },
      );
      res.removeHeader('WWW-Authenticate');
      req.log.info({ userId: client.id }, 'API client token issued');
      const { accessToken, expiresIn } = issueToken(tokens, client);
      res.json({ access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn });
    },
  });
}
