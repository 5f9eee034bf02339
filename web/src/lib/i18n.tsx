import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

export type Lang = 'zh' | 'en';
export const LANGS: readonly Lang[] = ['zh', 'en'];

/** A word is a string, or a function of what it is about (a count, a name) for sentences that need one. */
type Word = string | ((...args: never[]) => string);
export type Words<Z> = { zh: Z; en: { [K in keyof Z]: Z[K] } };

/**
 * A feature's words, Chinese first: the English dictionary must have exactly the Chinese one's keys, with the
 * same shapes, or the console does not compile.
 */
export function defineWords<Z extends Record<string, Word>>(zh: Z, en: { [K in keyof Z]: Z[K] }): Words<Z> {
  return { zh, en };
}

// The language is remembered per user (a shared counter PC has several), and the last one used is what the
// sign-in page opens with.
const LAST_KEY = 'custody.lang';
const userKey = (username: string) => `custody.lang.${username}`;
const isLang = (value: string | null): value is Lang => value === 'zh' || value === 'en';

interface LangState {
  lang: Lang;
  setLang(lang: Lang): void;
  /** Called once the user is known: takes up the language they chose last time. */
  rememberFor(username: string): void;
}

const LangContext = createContext<LangState | null>(null);

/**
 * `signedIn` names the user at the moment of a switch. It is asked at the click, not kept from the last
 * render: a switch made in the instant between signing in and the layout learning who signed in is still
 * that user's.
 */
export function LangProvider({ signedIn, children }: { signedIn: () => string | undefined; children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => {
    const last = localStorage.getItem(LAST_KEY);
    return isLang(last) ? last : 'zh';
  });

  const setLang = useCallback(
    (next: Lang) => {
      setLangState(next);
      localStorage.setItem(LAST_KEY, next);
      const username = signedIn();
      if (username) localStorage.setItem(userKey(username), next);
    },
    [signedIn],
  );
  const rememberFor = useCallback((username: string) => {
    const theirs = localStorage.getItem(userKey(username));
    if (isLang(theirs)) {
      setLangState(theirs);
      localStorage.setItem(LAST_KEY, theirs);
    }
  }, []);

  const value = useMemo(() => ({ lang, setLang, rememberFor }), [lang, setLang, rememberFor]);
  return <LangContext.Provider value={value}>{children}</LangContext.Provider>;
}

export function useLang(): LangState {
  const state = useContext(LangContext);
  if (!state) throw new Error('useLang outside LangProvider');
  return state;
}

/** The dictionary of the language in use. */
export function useWords<Z>(words: Words<Z>): Z {
  return words[useLang().lang] as Z;
}
