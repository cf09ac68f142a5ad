import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { CATALOGUES, DEFAULT_LANG, interpolate, isLang, type Lang, type MessageArgs, type MessageKey } from './messages';

const STORAGE_KEY = 'sakimori.lang';

/** Message lookup; keys with placeholders require their parameters. */
export type Translate = <K extends MessageKey>(key: K, ...args: MessageArgs<K>) => string;

export interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translate;
  /** BCP 47 tag for Intl formatters. */
  locale: string;
}

const I18nContext = createContext<I18n | null>(null);

function readStoredLang(): Lang {
  try {
    const v = window.localStorage.getItem(STORAGE_KEY);
    return isLang(v) ? v : DEFAULT_LANG;
  } catch {
    // Storage can be disabled by policy; Japanese stays the default.
    return DEFAULT_LANG;
  }
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(readStoredLang);

  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not remembered, still switched.
    }
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const value = useMemo<I18n>(() => {
    const catalogue = CATALOGUES[lang];
    const t = ((key: MessageKey, params?: Record<string, string | number>) => interpolate(catalogue[key], params)) as Translate;
    return { lang, setLang, t, locale: lang === 'ja' ? 'ja-JP' : 'en-GB' };
  }, [lang, setLang]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (v === null) throw new Error('useI18n outside I18nProvider');
  return v;
}
