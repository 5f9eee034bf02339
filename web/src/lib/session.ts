import { useQuery, type QueryClient } from '@tanstack/react-query';
import { api, ok } from './api';
import type { Me, Role } from './api-shapes';
import type { Lang } from './i18n';
import { Problem } from './problem';

export const ME_KEY = ['me'] as const;

const meQuery = {
  queryKey: ME_KEY,
  queryFn: async (): Promise<Me | null> => {
    try {
      return await ok(api.GET('/me'));
    } catch (err) {
      if (err instanceof Problem && err.status === 401) return null;
      throw err;
    }
  },
  staleTime: 60_000,
};

/** The signed-in user, or null when there is no session (a 401). */
export function useMe() {
  return useQuery(meQuery);
}

/**
 * Asks who is signed in as the app starts, while the page's code is still loading, instead of after the
 * layout's code has arrived.
 */
export function prefetchMe(queryClient: QueryClient) {
  void queryClient.prefetchQuery(meQuery);
}

export const hasRole = (me: Me | null | undefined, ...roles: Role[]) =>
  !!me && me.roles.some((role) => roles.includes(role));

let keeping: Promise<unknown> = Promise.resolve();

/**
 * A language chosen while signed in is the user's: the server keeps it for their next sign-in, in any browser.
 * The user is read from the cache at the click, so a switch made the instant after signing in counts too.
 */
export function keepLanguage(queryClient: QueryClient, language: Lang) {
  const me = queryClient.getQueryData<Me | null>(ME_KEY);
  if (!me) return;
  queryClient.setQueryData<Me>(ME_KEY, { ...me, language });
  // A choice that fails to be kept is still shown; the next one tries again.
  keeping = api.PUT('/me/language', { body: { language } }).catch(() => undefined);
}

/** Resolves once the last language chosen has reached the server: signing out waits for it. */
export const languageKept = () => keeping;
