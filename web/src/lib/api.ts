import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './api-types';
import { Problem, problemOf } from './problem';

const CSRF_COOKIE = 'custody_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function csrfToken(): string | undefined {
  const match = document.cookie.match(new RegExp(`(?:^|; )${CSRF_COOKIE}=([^;]*)`));
  return match ? decodeURIComponent(match[1]!) : undefined;
}

type Listener = () => void;
const expiredListeners = new Set<Listener>();
const unavailableListeners = new Set<(unavailable: boolean) => void>();

/** Called when the session cookie is no longer accepted: the app returns to sign-in. */
export function onSessionExpired(listener: Listener) {
  expiredListeners.add(listener);
  return () => void expiredListeners.delete(listener);
}
/** Called with true when the server answers 503, and with false at its next good answer. */
export function onUnavailable(listener: (unavailable: boolean) => void) {
  unavailableListeners.add(listener);
  return () => void unavailableListeners.delete(listener);
}

// The session is the httpOnly cookie, sent by the browser; a state-changing request proves that this page
// (and not another site's form) sends it by repeating the CSRF token only this origin can read.
const session: Middleware = {
  onRequest({ request }) {
    const token = csrfToken();
    if (!SAFE_METHODS.has(request.method) && token) request.headers.set('X-CSRF-Token', token);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.endsWith('/auth/session')) {
      expiredListeners.forEach((listener) => listener());
    }
    unavailableListeners.forEach((listener) => listener(response.status === 503));
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '/api/v1', credentials: 'same-origin' });
api.use(session);

/**
 * The data of an openapi-fetch answer, or its problem thrown: `await ok(api.GET('/cases'))`. TanStack Query
 * then shows the problem where the query or mutation is used.
 */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Exclude<T, undefined>> {
  let answer: Awaited<typeof call>;
  try {
    answer = await call;
  } catch {
    throw await problemOf(undefined, undefined);
  }
  if (answer.error !== undefined || !answer.response.ok) throw await problemOf(answer.response, answer.error);
  return answer.data as Exclude<T, undefined>;
}

/**
 * A request outside the typed client (a file's bytes as the body, a streamed answer), sent as the client sends
 * its own (the session's cookie, the CSRF token): the response when it succeeded, or its problem thrown.
 */
export async function fetchOk(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = csrfToken();
  if (init.method && !SAFE_METHODS.has(init.method) && token) headers.set('X-CSRF-Token', token);
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, { ...init, headers, credentials: 'same-origin' });
  } catch {
    throw await problemOf(undefined, undefined);
  }
  if (response.ok) return response;
  if (response.status === 401) expiredListeners.forEach((listener) => listener());
  throw await problemOf(response, await response.json().catch(() => undefined));
}

/** For endpoints that answer with a file (PDFs): the bytes, or the problem. */
export async function fetchBlob(path: string, init: RequestInit = {}): Promise<Blob> {
  return (await fetchOk(path, init)).blob();
}

export { Problem };
