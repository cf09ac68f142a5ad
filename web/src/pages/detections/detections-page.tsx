import { useCallback, useState } from 'react';
import { fetchDetections, fetchDetectionStats } from '../../api/api-client';
import { DETECTION_KINDS } from '../../api/detection-types';
import { usePolling } from '../../api/use-polling';
import { ApiErrorBanner } from '../../components/api-error-banner';
import { formatInteger } from '../../format/format';
import { useI18n } from '../../i18n/i18n-context';
import { CountryBars } from './country-bars';
import { DetectionDetail } from './detection-detail';
import { DetectionTable } from './detection-table';
import { DetectionsChart } from './detections-chart';

const POLL_MS = 10_000;
const PAGE_SIZE = 25;

/**
 * 検知 (detection) page: current candidates ranked by score with their evidence, how many were
 * active over the last 24 hours, where they are by country, and the STIX 2.1 export.
 */
export function DetectionsPage() {
  const { t, locale } = useI18n();
  const [kind, setKind] = useState('');
  const [minScore, setMinScore] = useState(0);
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const loadList = useCallback((signal: AbortSignal) => fetchDetections({ kind: kind || undefined, minScore: minScore > 0 ? minScore : undefined, limit: PAGE_SIZE, offset }, signal), [kind, minScore, offset]);
  const list = usePolling(loadList, { intervalMs: POLL_MS });
  const stats = usePolling(fetchDetectionStats, { intervalMs: POLL_MS });
  const demo = list.data?.demo === true || stats.data?.demo === true;
  const error = list.error ?? stats.error;
  const stixHref = `/api/v1/detections/export.stix${kind ? `?kind=${encodeURIComponent(kind)}` : ''}`;

  return (
    <div className="page page-detections" aria-busy={list.data === undefined && error === undefined}>
      <div className="page-head">
        <div className="page-title-row">
          <h1>{t('detections.title')}</h1>
          {demo && (
            <span className="badge badge-demo" data-testid="detections-demo">
              {t('detections.demo')}
            </span>
          )}
          <a className="btn-primary" href={stixHref} download="sakimori-detections.stix.json" data-testid="stix-download">
            {t('detections.stix')}
          </a>
        </div>
        <p className="page-intro">{t('detections.intro')}</p>
        {demo && <p className="demo-hint">{t('detections.demoHint')}</p>}
      </div>
      {error && <ApiErrorBanner error={error} lastOkAt={list.receivedAt} />}
      {stats.data && (
        <div className="totals-grid" data-testid="detections-counts">
          {DETECTION_KINDS.map((k) => (
            <dl key={k} className="stat-card" data-kind={k} data-value={stats.data!.byKind[k]}>
              <dt>{t(`detections.kind.${k}`)}</dt>
              <dd className="stat-value num">{formatInteger(stats.data!.byKind[k], locale)}</dd>
            </dl>
          ))}
        </div>
      )}
      <div className="page-body det-grid">
        <div className="det-main">
          <section className="panel" aria-labelledby="det-list-heading">
            <div className="panel-head">
              <h2 id="det-list-heading">{t('detections.list.heading')}</h2>
              <label className="det-filter">
                {t('detections.filter.kind')}{' '}
                <select
                  value={kind}
                  data-testid="filter-kind"
                  onChange={(e) => {
                    setKind(e.target.value);
                    setOffset(0);
                  }}
                >
                  <option value="">{t('detections.filter.all')}</option>
                  {DETECTION_KINDS.map((k) => (
                    <option key={k} value={k}>
                      {t(`detections.kind.${k}`)}
                    </option>
                  ))}
                </select>
              </label>
              <label className="det-filter">
                {t('detections.filter.minScore')}{' '}
                <select
                  value={String(minScore)}
                  data-testid="filter-min-score"
                  onChange={(e) => {
                    setMinScore(Number(e.target.value));
                    setOffset(0);
                  }}
                >
                  {[0, 0.5, 0.7, 0.9].map((s) => (
                    <option key={s} value={String(s)}>
                      {s === 0 ? t('detections.filter.all') : `≥ ${s}`}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            {list.data && <DetectionTable page={list.data} offset={offset} pageSize={PAGE_SIZE} selected={selected} onSelect={setSelected} onPage={setOffset} />}
          </section>
          {stats.data && <DetectionsChart stats={stats.data} />}
        </div>
        <div className="det-side">
          <DetectionDetail detectionKey={selected} />
          {stats.data && <CountryBars byCountry={stats.data.byCountry} />}
        </div>
      </div>
    </div>
  );
}
