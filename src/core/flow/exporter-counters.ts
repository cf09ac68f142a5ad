/**
 * Per-exporter counters. Nothing is lost silently: every malformed datagram, every data set
 * whose template never arrived and every queue overflow is counted here and exported as metrics.
 */
export interface ExporterCounters {
  exporter: string;
  datagrams: number;
  bytes: number;
  records: number;
  /** Datagrams (or sets inside them) that could not be decoded. */
  malformed: number;
  /** Data sets whose template was unknown on arrival (held awaiting the template). */
  unknownTemplateSets: number;
  /** Held data sets whose template never arrived before the hold time ran out: their records are lost and counted here. */
  unknownTemplateExpired: number;
  /** Held data sets decoded late, once their template arrived. */
  unknownTemplateRecovered: number;
  templates: number;
  optionTemplates: number;
  templateWithdrawals: number;
  /** Datagrams dropped because the decode queue was full. */
  queueDropped: number;
  /** Version/format seen last ('netflow-v5', 'ipfix', …). */
  lastFormat: string;
  lastSeen: number;
}

export class CounterRegistry {
  readonly #byExporter = new Map<string, ExporterCounters>();

  has(exporter: string): boolean {
    return this.#byExporter.has(exporter);
  }

  get size(): number {
    return this.#byExporter.size;
  }

  get(exporter: string): ExporterCounters {
    let c = this.#byExporter.get(exporter);
    if (c === undefined) {
      c = {
        exporter,
        datagrams: 0,
        bytes: 0,
        records: 0,
        malformed: 0,
        unknownTemplateSets: 0,
        unknownTemplateExpired: 0,
        unknownTemplateRecovered: 0,
        templates: 0,
        optionTemplates: 0,
        templateWithdrawals: 0,
        queueDropped: 0,
        lastFormat: '',
        lastSeen: 0,
      };
      this.#byExporter.set(exporter, c);
    }
    return c;
  }

  all(): ExporterCounters[] {
    return [...this.#byExporter.values()];
  }

  totals(): Omit<ExporterCounters, 'exporter' | 'lastFormat' | 'lastSeen'> {
    const t = { datagrams: 0, bytes: 0, records: 0, malformed: 0, unknownTemplateSets: 0, unknownTemplateExpired: 0, unknownTemplateRecovered: 0, templates: 0, optionTemplates: 0, templateWithdrawals: 0, queueDropped: 0 };
    for (const c of this.#byExporter.values()) {
      for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += c[k];
    }
    return t;
  }
}
