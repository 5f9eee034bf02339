/**
 * Answers asked for by the entry point before the app's code has arrived, for the page that will want them
 * once it has run: a page whose numbers take the server a while (the dashboard) then has them when it is
 * first drawn instead of asking only then. This module imports nothing, so that the entry point stays small.
 */
const asked = new Map<string, Promise<Response>>();

/** Asks for `url` now (a GET, with the session's cookie). */
export function askEarly(url: string): void {
  asked.set(url, fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }));
}

/**
 * The answer to `url` asked for early, once: its JSON when it succeeded, otherwise undefined, and the page
 * asks in its usual way (which handles a problem or an ended session as every call does).
 */
export async function earlyAnswer<T>(url: string): Promise<T | undefined> {
  const answer = asked.get(url);
  asked.delete(url);
  const res = await answer?.catch(() => undefined);
  return res?.ok ? ((await res.json()) as T) : undefined;
}
