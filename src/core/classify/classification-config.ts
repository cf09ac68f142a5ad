/**
 * Settings of flow direction classification, validated once and frozen.
 * Which countries are domestic (国内) decides what the Act calls 外外 / 外内 / 内外 / 内内.
 */
import { SakimoriError } from '../errors.js';

/**
 * How `local`-scope special-purpose addresses (RFC 1918, RFC 6598 CGN space, loopback,
 * link-local, ULA, …) count. 'unknown' (default) never makes them acquirable; 'domestic' suits an
 * exporter inside a domestic carrier's own network, where such addresses are its subscribers.
 * Neither setting can make them foreign.
 */
export type SpecialAddressRule = 'domestic' | 'unknown';

export interface ClassificationSettings {
  /** ISO 3166-1 alpha-2 codes counted as domestic; at least one. */
  domesticCountries: readonly string[];
  specialAddresses: SpecialAddressRule;
}

export interface ClassificationConfig {
  readonly domesticCountries: readonly string[];
  readonly specialAddresses: SpecialAddressRule;
  readonly domestic: ReadonlySet<string>;
}

export const DEFAULT_CLASSIFICATION_SETTINGS: Readonly<ClassificationSettings> = Object.freeze({
  domesticCountries: Object.freeze(['JP']),
  specialAddresses: 'unknown',
});

export function createClassificationConfig(settings: Partial<ClassificationSettings> = {}): ClassificationConfig {
  const domesticCountries = settings.domesticCountries ?? DEFAULT_CLASSIFICATION_SETTINGS.domesticCountries;
  const specialAddresses = settings.specialAddresses ?? DEFAULT_CLASSIFICATION_SETTINGS.specialAddresses;
  const issues: string[] = [];
  if (!Array.isArray(domesticCountries) || domesticCountries.length === 0) {
    // An empty set would make every located address foreign, Japanese traffic included.
    issues.push('domesticCountries: at least one country is required');
  } else {
    domesticCountries.forEach((c, i) => {
      if (typeof c !== 'string' || !/^[A-Z]{2}$/.test(c)) issues.push(`domesticCountries.${i}: not an upper-case ISO 3166-1 alpha-2 code`);
    });
  }
  if (specialAddresses !== 'domestic' && specialAddresses !== 'unknown') issues.push("specialAddresses: must be 'domestic' or 'unknown'");
  if (issues.length > 0) throw new SakimoriError('SAKI_ERR_CONFIG_INVALID', issues.join('; '), { details: { issues } });
  const list = Object.freeze([...new Set(domesticCountries)]);
  return Object.freeze({ domesticCountries: list, specialAddresses, domestic: new Set(list) });
}
