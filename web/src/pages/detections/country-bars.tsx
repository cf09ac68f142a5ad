import { formatInteger } from '../../format/format';
import { useI18n } from '../../i18n/i18n-context';

const MAX_ROWS = 15;
const ROW = 22;
const LABEL_W = 36;
const WIDTH = 320;

/**
 * Candidates per country as a horizontal bar chart in inline SVG: drawn locally, no map tiles
 * and no network requests (an operator console may run without internet access).
 */
export function CountryBars({ byCountry }: { byCountry: { country: string; count: number; maxScore: number }[] }) {
  const { t, locale } = useI18n();
  const rows = byCountry.slice(0, MAX_ROWS);
  const max = rows.reduce((a, r) => Math.max(a, r.count), 1);
  const barW = WIDTH - LABEL_W - 48;
  return (
    <section className="panel" aria-labelledby="det-country-heading">
      <div className="panel-head">
        <h2 id="det-country-heading">{t('detections.country.heading')}</h2>
      </div>
      <p className="panel-meta">{t('detections.country.note')}</p>
      {rows.length === 0 ? (
        <p className="empty">{t('detections.empty')}</p>
      ) : (
        <svg className="country-bars" data-testid="country-bars" viewBox={`0 0 ${WIDTH} ${rows.length * ROW}`} width="100%" role="img" aria-label={t('detections.country.heading')}>
          {rows.map((r, i) => {
            const w = Math.max(2, Math.round((r.count / max) * barW));
            return (
              <g key={r.country} transform={`translate(0 ${i * ROW})`} data-country={r.country} data-count={r.count}>
                <title>{t('detections.country.bar', { country: r.country, n: formatInteger(r.count, locale), score: r.maxScore.toFixed(2) })}</title>
                <text x={0} y={ROW / 2 + 4} className="country-label">
                  {r.country}
                </text>
                <rect x={LABEL_W} y={4} width={w} height={ROW - 8} rx={2} fill={`hsl(4 ${40 + Math.round(r.maxScore * 45)}% ${62 - Math.round(r.maxScore * 20)}%)`} />
                <text x={LABEL_W + w + 6} y={ROW / 2 + 4} className="country-count">
                  {formatInteger(r.count, locale)}
                </text>
              </g>
            );
          })}
        </svg>
      )}
    </section>
  );
}
