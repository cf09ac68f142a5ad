import { useMemo } from 'react';
import { DETECTION_KINDS, type DetectionStats } from '../../api/detection-types';
import { TimeSeriesChart, type SeriesSpec } from '../../charts/time-series-chart';
import { formatInteger } from '../../format/format';
import { useI18n } from '../../i18n/i18n-context';

const COLORS = { c2: '#c8413b', bot: '#d08a00', scanner: '#2f6fb3', 'ddos-victim': '#8a5cb8' } as const;

/** Candidates active per hour over the last 24 hours, by kind (uPlot, like the collector charts). */
export function DetectionsChart({ stats }: { stats: DetectionStats }) {
  const { t, locale } = useI18n();
  const xs = useMemo(() => stats.series.map((p) => p.t / 1000), [stats.series]);
  const ys = useMemo(() => DETECTION_KINDS.map((k) => stats.series.map((p) => p[k])), [stats.series]);
  const series: SeriesSpec[] = useMemo(() => DETECTION_KINDS.map((k) => ({ label: t(`detections.kind.${k}`), color: COLORS[k] })), [t]);
  const last = stats.series[stats.series.length - 1];
  const summary = t('detections.chart.summary', {
    summary: DETECTION_KINDS.map((k) => `${t(`detections.kind.${k}`)} ${formatInteger(last?.[k] ?? 0, locale)}`).join(', '),
  });
  const fmt = useMemo(() => (v: number) => formatInteger(v, locale), [locale]);
  return (
    <section className="panel charts" aria-labelledby="det-chart-heading" data-testid="detections-chart">
      <div className="panel-head">
        <h2 id="det-chart-heading">{t('detections.chart.heading')}</h2>
      </div>
      <TimeSeriesChart
        title={t('detections.chart.title')}
        series={series}
        xs={xs}
        ys={ys}
        end={stats.now / 1000}
        windowSeconds={24 * 3600}
        locale={locale}
        formatValue={fmt}
        summary={summary}
        emptyLabel={t('api.loading')}
        timeLabel={t('charts.time')}
        stepped
        height={200}
      />
    </section>
  );
}
