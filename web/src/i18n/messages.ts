import { en } from './en';
import { ja } from './ja';

export type Lang = 'ja' | 'en';
export const LANGS: readonly Lang[] = ['ja', 'en'];
export const DEFAULT_LANG: Lang = 'ja';

export type MessageKey = keyof typeof ja;

/** '{a} and {b}' → 'a' | 'b' */
type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// Compile-time checks: both catalogues have exactly the same keys, and every message uses the same
// placeholders in both languages. A mismatch names the offending keys in the type error.
type KeysOnlyInJa = Exclude<keyof typeof ja, keyof typeof en>;
type KeysOnlyInEn = Exclude<keyof typeof en, keyof typeof ja>;
const keySetsMatch: Same<KeysOnlyInJa | KeysOnlyInEn, never> = true;
type PlaceholderMismatch = {
  [K in MessageKey]: Same<Placeholders<(typeof ja)[K]>, Placeholders<(typeof en)[K]>> extends true ? never : K;
}[MessageKey];
const placeholdersMatch: Same<PlaceholderMismatch, never> = true;
void keySetsMatch;
void placeholdersMatch;

export type Params<K extends MessageKey> = Record<Placeholders<(typeof ja)[K]>, string | number>;

/** The arguments after the key: none for plain messages, the placeholders' values otherwise. */
export type MessageArgs<K extends MessageKey> = K extends unknown
  ? [Placeholders<(typeof ja)[K]>] extends [never]
    ? []
    : [params: Params<K>]
  : never;

export const CATALOGUES: Record<Lang, Record<MessageKey, string>> = { ja, en };

export function interpolate(template: string, params: Record<string, string | number> | undefined): string {
  if (params === undefined) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function isLang(v: unknown): v is Lang {
  return v === 'ja' || v === 'en';
}
