import { useEffect, useId, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface SeriesSpec {
  label: string;
  color: string;
}

export interface TimeSeriesChartProps {
  title: string;
  series: readonly SeriesSpec[];
  /** Seconds since the epoch, oldest first. */
  xs: readonly number[];
  /** One array per series, aligned with xs. */
  ys: readonly (readonly number[])[];
  /** Right edge of the window (seconds); the window is [end - windowSeconds, end]. */
  end: number;
  windowSeconds: number;
  locale: string;
  formatValue: (v: number) => string;
  /** Screen-reader summary of what the chart shows now. */
  summary: string;
  emptyLabel: string;
  /** Legend label of the time axis. */
  timeLabel: string;
  /** Step lines suit small integer counts (errors per second) better than interpolated ones. */
  stepped?: boolean;
  height?: number;
}

/** Last value of a column, for the legend when the cursor is not over the plot. */
function lastOf(col: ArrayLike<number | null | undefined> | undefined): number | null {
  if (col === undefined || col.length === 0) return null;
  return col[col.length - 1] ?? null;
}

/**
 * A uPlot line chart sized to its container. The plot is rebuilt only when its series or locale
 * change; each poll only swaps the data, which uPlot redraws cheaply.
 */
export function TimeSeriesChart(props: TimeSeriesChartProps) {
  const { title, series, xs, ys, end, windowSeconds, locale, formatValue, summary, emptyLabel, timeLabel, stepped = false, height = 168 } = props;
  const titleId = useId();
  const summaryId = useId();
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const windowRef = useRef({ end, windowSeconds });
  const formatRef = useRef(formatValue);

  const seriesKey = series.map((s) => `${s.label}\u0000${s.color}`).join('\u0001');

  useEffect(() => {
    const host = hostRef.current;
    if (host === null) return;
    const clock = (secs: number): string =>
      new Date(secs * 1000).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    const axisStyle = {
      stroke: '#5b6b7c',
      font: '11px system-ui, sans-serif',
      grid: { stroke: '#e6eaef', width: 1 },
      ticks: { stroke: '#d5dbe2', width: 1, size: 4 },
    };
    const opts: uPlot.Options = {
      width: Math.max(200, host.clientWidth),
      height,
      padding: [8, 8, 0, 0],
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        x: {
          time: true,
          range: () => [windowRef.current.end - windowRef.current.windowSeconds, windowRef.current.end],
        },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
      },
      axes: [
        { ...axisStyle, space: 48, values: (_u, splits) => splits.map((s) => clock(s).slice(0, 5)) },
        { ...axisStyle, size: 52, values: (_u, splits) => splits.map((v) => formatRef.current(v)) },
      ],
      series: [
        // Off the plot the legend shows the latest second; on it, the second under the cursor.
        {
          label: timeLabel,
          value: (u, v, _s, idx) => {
            const x = idx == null ? lastOf(u.data[0]) : v;
            return x == null ? '—' : clock(x);
          },
        },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          fill: series.length === 1 ? `${s.color}1f` : undefined,
          paths: stepped ? uPlot.paths.stepped?.({ align: 1 }) : undefined,
          points: { show: false },
          value: (u: uPlot, v: number | null, sidx: number, idx: number | null) => {
            const y = idx == null ? lastOf(u.data[sidx]) : v;
            return y == null ? '—' : formatRef.current(y);
          },
        })),
      ],
    };
    const plot = new uPlot(opts, [[], ...series.map(() => [])], host);
    plotRef.current = plot;
    const resize = new ResizeObserver(() => {
      const w = Math.max(200, host.clientWidth);
      if (w !== plot.width) plot.setSize({ width: w, height });
    });
    resize.observe(host);
    return () => {
      resize.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
    // seriesKey stands for `series`: rebuilding on every new array identity would flicker.
  }, [seriesKey, timeLabel, locale, height, stepped]);

  useEffect(() => {
    windowRef.current = { end, windowSeconds };
    formatRef.current = formatValue;
    const plot = plotRef.current;
    if (plot === null) return;
    plot.setData([xs as number[], ...(ys as number[][])]);
    // uPlot refreshes the legend only on cursor moves; keep "latest" current while idle.
    if (plot.cursor.idx == null) plot.setLegend({});
  }, [xs, ys, end, windowSeconds, formatValue, seriesKey, locale]);

  return (
    <figure className="chart" role="group" aria-labelledby={titleId} aria-describedby={summaryId}>
      <figcaption className="chart-title" id={titleId}>
        {title}
      </figcaption>
      <p className="visually-hidden" id={summaryId} aria-live="off">
        {summary}
      </p>
      <div className="chart-plot" ref={hostRef}>
        {xs.length === 0 && <div className="chart-empty">{emptyLabel}</div>}
      </div>
    </figure>
  );
}
