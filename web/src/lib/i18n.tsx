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

// The language the user chose is kept by the server and taken up at each sign-in (lib/session, app/Layout);
// the last one used in this browser is what the sign-in page opens with.
const LAST_KEY = 'custody.lang';
const isLang = (value: string | null): value is Lang => value === 'zh' || value === 'en';

interface LangState {
  lang: Lang;
  /** The user's own choice: shown at once, and handed to `onChoose` to keep. */
  setLang(lang: Lang): void;
  /** A language chosen before, e.g. the signed-in user's: shown, not chosen again. */
  adopt(lang: Lang): void;
}

const LangContext = createContext<LangState | null>(null);

export function LangProvider({ onChoose, children }: { onChoose: (lang: Lang) => void; children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => {
    const last = localStorage.getItem(LAST_KEY);
    return isLang(last) ? last : 'zh';
  });

  const adopt = useCallback((next: Lang) => {
    setLangState(next);
    localStorage.setItem(LAST_KEY, next);
  }, []);
  const setLang = useCallback(
    (next: Lang) => {
      adopt(next);
      onChoose(next);
    },
    [adopt, onChoose],
  );

  const value = useMemo(() => ({ lang, setLang, adopt }), [lang, setLang, adopt]);
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
