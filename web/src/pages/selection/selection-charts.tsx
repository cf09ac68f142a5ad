import { useMemo } from 'react';
import type { SelectionApproval, SelectionSample } from '../../api/selection-types';
import { TimeSeriesChart, type SeriesSpec } from '../../charts/time-series-chart';
import { formatPercent } from '../../format/format';
import { useI18n } from '../../i18n/i18n-context';

const WINDOW_SECONDS = 120;
/** Okabe–Ito, as on the collector page: distinguishable and colour-blind safe. */
const COLORS = ['#2f6fb3', '#1a8a7a', '#d08a00', '#8a5cb8', '#c8413b', '#5b6b7c'];

/** Selected / examined per second, overall and per approval; gaps where nothing came in. */
export function SelectionCharts({ history, approvals, now }: { history: readonly SelectionSample[]; approvals: readonly SelectionApproval[]; now: number }) {
  const { t, locale } = useI18n();
  const ids = useMemo(() => approvals.map((a) => a.id).slice(0, COLORS.length - 1), [approvals]);
  const idsKey = ids.join('\u0000');
  const series: SeriesSpec[] = useMemo(
    () => [{ label: t('selection.charts.all'), color: COLORS[0] }, ...ids.map((id, i) => ({ label: id, color: COLORS[i + 1] }))],
    // idsKey stands for ids: a new array identity each poll must not rebuild the plot.
    [t, idsKey],
  );
  const xs = useMemo(() => history.map((h) => h.t / 1000), [history]);
  const ys = useMemo(
    // uPlot draws null as a gap: a second with no record has no ratio.
    () => [history.map((h) => h.ratio), ...ids.map((id) => history.map((h) => h.perApproval[id]?.ratio ?? null))] as unknown as number[][],
    [history, idsKey],
  );
  const fmt = useMemo(() => (v: number) => formatPercent(v, locale), [locale]);
  const latest = history.length > 0 ? history[history.length - 1].ratio : null;
  const end = (Number.isFinite(now) ? now : Date.now()) / 1000;
  return (
    <section className="panel charts" aria-labelledby="selection-charts-heading">
      <header className="panel-head">
        <h2 id="selection-charts-heading">{t('selection.charts.heading')}</h2>
        <span className="panel-meta">{t('selection.charts.window')}</span>
      </header>
      <div className="charts-grid" data-testid="selection-charts">
        <TimeSeriesChart
          title={t('selection.charts.heading')}
          series={series}
          xs={xs}
          ys={ys}
          end={end}
          windowSeconds={WINDOW_SECONDS}
          locale={locale}
          formatValue={fmt}
          summary={latest === null ? t('charts.waiting') : `${t('selection.charts.all')}: ${fmt(latest)}`}
          emptyLabel={t('charts.waiting')}
          timeLabel={t('charts.time')}
        />
      </div>
    </section>
  );
}
