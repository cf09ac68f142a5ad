import { useMemo } from 'react';
import type { HistoryPoint } from '../../api/collector-types';
import { TimeSeriesChart, type SeriesSpec } from '../../charts/time-series-chart';
import { formatRate } from '../../format/format';
import { useI18n } from '../../i18n/i18n-context';
import type { MessageKey } from '../../i18n/messages';

const WINDOW_SECONDS = 300;

type Metric = Exclude<keyof HistoryPoint, 't'>;

/** Calm, distinguishable on white, and colour-blind safe in pairs (Okabe–Ito derived). */
const COLORS: Record<Metric, string> = {
  datagrams: '#2f6fb3',
  records: '#1a8a7a',
  malformed: '#d08a00',
  unknownTemplate: '#8a5cb8',
  dropped: '#c8413b',
};

const LABELS: Record<Metric, MessageKey> = {
  datagrams: 'charts.series.datagrams',
  records: 'charts.series.records',
  malformed: 'charts.series.malformed',
  unknownTemplate: 'charts.series.unknownTemplate',
  dropped: 'charts.series.dropped',
};

interface ChartDef {
  id: string;
  titleKey: MessageKey;
  metrics: readonly Metric[];
  stepped?: boolean;
}

const CHARTS: readonly ChartDef[] = [
  { id: 'datagrams', titleKey: 'charts.datagrams', metrics: ['datagrams'] },
  { id: 'records', titleKey: 'charts.records', metrics: ['records'] },
  { id: 'errors', titleKey: 'charts.errors', metrics: ['malformed', 'unknownTemplate', 'dropped'], stepped: true },
];

/** Per-second deltas from the server's five-minute history. */
export function CollectorCharts({ history, now }: { history: readonly HistoryPoint[]; now: number }) {
  const { t, locale } = useI18n();
  const xs = useMemo(() => history.map((p) => p.t / 1000), [history]);
  const columns = useMemo(() => {
    const out = {} as Record<Metric, number[]>;
    for (const m of Object.keys(COLORS) as Metric[]) out[m] = history.map((p) => p[m]);
    return out;
  }, [history]);
  const end = (Number.isFinite(now) ? now : Date.now()) / 1000;
  const fmt = useMemo(() => (v: number) => formatRate(v, locale), [locale]);

  return (
    <section className="panel charts" aria-labelledby="charts-heading">
      <header className="panel-head">
        <h2 id="charts-heading">{t('charts.heading')}</h2>
        <span className="panel-meta">{t('charts.window')}</span>
      </header>
      <div className="charts-grid">
        {CHARTS.map((c) => (
          <ChartCell key={c.id} def={c} xs={xs} columns={columns} end={end} locale={locale} fmt={fmt} />
        ))}
      </div>
    </section>
  );
}

function ChartCell(props: { def: ChartDef; xs: number[]; columns: Record<Metric, number[]>; end: number; locale: string; fmt: (v: number) => string }) {
  const { def, xs, columns, end, locale, fmt } = props;
  const { t } = useI18n();
  const series: SeriesSpec[] = useMemo(() => def.metrics.map((m) => ({ label: t(LABELS[m]), color: COLORS[m] })), [def, t]);
  const ys = useMemo(() => def.metrics.map((m) => columns[m]), [def, columns]);
  const summary = def.metrics
    .map((m) => {
      const col = columns[m];
      const latest = col.length > 0 ? col[col.length - 1] : 0;
      const peak = col.reduce((a, b) => Math.max(a, b), 0);
      return t('charts.summary', { series: t(LABELS[m]), latest: fmt(latest), peak: fmt(peak) });
    })
    .join(' ');
  return (
    <TimeSeriesChart
      title={t(def.titleKey)}
      series={series}
      xs={xs}
      ys={ys}
      end={end}
      windowSeconds={WINDOW_SECONDS}
      locale={locale}
      formatValue={fmt}
      summary={summary}
      emptyLabel={t('charts.waiting')}
      timeLabel={t('charts.time')}
      stepped={def.stepped}
    />
  );
}
