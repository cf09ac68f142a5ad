import type { ExporterCounters } from '../exporter-counters.js';
import type { CompiledTemplate } from './compiled-template.js';
import { HeldSets } from './held-sets.js';
import { SamplingRates } from './sampling-rates.js';

/**
 * Everything a template-based decoder remembers about one exporter (RFC 7011 §8: templates are
 * scoped to the Transport Session and Observation Domain; over UDP the session is the exporter
 * address). Keys are templateKey(domain, templateId).
 */
export class ExporterState {
  readonly templates = new Map<number, CompiledTemplate>();
  readonly rates = new SamplingRates();
  /** systemInitTimeMilliseconds (IE 160) per domain, from options data, to resolve sysUpTime times. */
  readonly systemInit = new Map<number, number>();
  readonly held = new HeldSets();

  constructor(readonly counters: ExporterCounters) {}
}
