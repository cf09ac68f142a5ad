import type { CollectorStatus } from '../../api/collector-types';
import { formatBytes, formatInteger, formatPercent, formatRate } from '../../format/format';
import { useI18n } from '../../i18n/i18n-context';

type Tone = 'neutral' | 'warn' | 'alert';

interface Card {
  id: string;
  label: string;
  value: number;
  detail: string;
  tone: Tone;
}

/** Cumulative counters since start. Loss is never silent: every error counter has a card. */
export function TotalsCards({ status }: { status: CollectorStatus }) {
  const { t, locale } = useI18n();
  const { totals, rates, queue } = status;
  const n = (v: number) => formatInteger(v, locale);
  const cards: Card[] = [
    {
      id: 'datagrams',
      label: t('totals.datagrams'),
      value: totals.datagrams,
      detail: `${t('totals.perSecond', { n: formatRate(rates.datagramsPerSecond, locale) })} · ${t('totals.bytes', { bytes: formatBytes(totals.bytes, locale) })}`,
      tone: 'neutral',
    },
    {
      id: 'records',
      label: t('totals.records'),
      value: totals.records,
      detail: t('totals.perSecond', { n: formatRate(rates.recordsPerSecond, locale) }),
      tone: 'neutral',
    },
    {
      id: 'malformed',
      label: t('totals.malformed'),
      value: totals.malformed,
      detail: t('totals.ratioOfDatagrams', { pct: formatPercent(totals.datagrams > 0 ? totals.malformed / totals.datagrams : 0, locale) }),
      tone: totals.malformed > 0 ? 'warn' : 'neutral',
    },
    {
      id: 'unknown-template',
      label: t('totals.unknownTemplate'),
      value: totals.unknownTemplateSets,
      detail: t('totals.unknownDetail', { expired: n(totals.unknownTemplateExpired), recovered: n(totals.unknownTemplateRecovered) }),
      tone: totals.unknownTemplateExpired > 0 ? 'warn' : 'neutral',
    },
    {
      id: 'queue-dropped',
      label: t('totals.queueDropped'),
      value: totals.queueDropped,
      detail: t('totals.queueDetail', { depth: n(queue.depth), capacity: n(queue.capacity) }),
      tone: totals.queueDropped > 0 ? 'alert' : 'neutral',
    },
  ];
  // Detection sheds batches rather than lose records (docs/reference/live-detection.md): shown when on.
  if (status.detection) {
    cards.push({
      id: 'detection-shed',
      label: t('totals.detectionShed'),
      value: status.detection.shed,
      detail: t('totals.detectionDetail', { flows: n(status.detection.flows) }),
      tone: status.detection.shed > 0 ? 'warn' : 'neutral',
    });
  }

  return (
    <section className="totals" aria-labelledby="totals-heading">
      <h2 id="totals-heading" className="visually-hidden">
        {t('totals.heading')}
      </h2>
      <dl className="totals-grid">
        {cards.map((c) => (
          <div key={c.id} className={`stat-card tone-${c.tone}`} data-testid={`total-${c.id}`} data-value={c.value}>
            <dt>{c.label}</dt>
            <dd className="stat-value num">{n(c.value)}</dd>
            <dd className="stat-detail">{c.detail}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
