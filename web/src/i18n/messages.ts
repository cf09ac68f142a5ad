import { en } from './en';
import { ja } from './ja';

export type Lang = 'ja' | 'en';
export const LANGS: readonly Lang[] = ['ja', 'en'];
export const DEFAULT_LANG: Lang = 'ja';

export type MessageKey = keyof typeof ja;

/** '{a} and {b}' → 'a' | 'b' */
type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;

/** Fails to compile, naming the offending keys, unless T is never. */
type ExpectNone<T extends never> = T;

// Compile-time checks: both catalogues have exactly the same keys, and every message uses the same
// placeholders in both languages. `npx tsc -p web` reports the offending keys.
type KeysOnlyInJa = Exclude<keyof typeof ja, keyof typeof en>;
type KeysOnlyInEn = Exclude<keyof typeof en, keyof typeof ja>;
type PlaceholderMismatch = {
  [K in MessageKey]: K extends keyof typeof en
    ? [Placeholders<(typeof ja)[K]>] extends [Placeholders<(typeof en)[K]>]
      ? [Placeholders<(typeof en)[K]>] extends [Placeholders<(typeof ja)[K]>]
        ? never
        : K
      : K
    : never;
}[MessageKey];
export type _KeysOnlyInJa = ExpectNone<KeysOnlyInJa>;
export type _KeysOnlyInEn = ExpectNone<KeysOnlyInEn>;
export type _PlaceholdersDiffer = ExpectNone<PlaceholderMismatch>;

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
