import { useCallback } from 'react';
import { fetchDetection } from '../../api/api-client';
import { usePolling } from '../../api/use-polling';
import { ApiErrorBanner } from '../../components/api-error-banner';
import { formatDateTime, formatInteger } from '../../format/format';
import { useI18n } from '../../i18n/i18n-context';
import { addressText } from './detection-table';

export function DetectionDetail({ detectionKey }: { detectionKey: string | undefined }) {
  const { t, locale } = useI18n();
  const load = useCallback((signal: AbortSignal) => fetchDetection(detectionKey ?? '', signal), [detectionKey]);
  const state = usePolling(load, { intervalMs: 30_000, enabled: detectionKey !== undefined });
  const d = state.data?.key === detectionKey ? state.data : undefined;
  return (
    <section className="panel" aria-labelledby="det-detail-heading" data-testid="detection-detail" data-key={d?.key ?? ''}>
      <div className="panel-head">
        <h2 id="det-detail-heading">{t('detections.detail.heading')}</h2>
      </div>
      {state.error && <ApiErrorBanner error={state.error} lastOkAt={state.receivedAt} />}
      {d === undefined ? (
        <p className="empty">{t('detections.detail.select')}</p>
      ) : (
        <dl className="kv">
          <dt>{t('detections.col.address')}</dt>
          <dd className="mono">{addressText(d.ip, d.port)}</dd>
          <dt>{t('detections.col.kind')}</dt>
          <dd>{t(`detections.kind.${d.kind}`)}</dd>
          <dt>{t('detections.col.score')}</dt>
          <dd className="num">{d.score.toFixed(2)}</dd>
          {d.family && (
            <>
              <dt>{t('detections.detail.family')}</dt>
              <dd>{d.family}</dd>
            </>
          )}
          <dt>{t('detections.col.country')}</dt>
          <dd>
            {d.country} {d.as !== 0 && `AS${d.as}`}
          </dd>
          <dt>{t('detections.detail.firstSeen')}</dt>
          <dd className="num-time">{formatDateTime(d.firstSeen)}</dd>
          <dt>{t('detections.detail.lastSeen')}</dt>
          <dd className="num-time">{formatDateTime(d.lastSeen)}</dd>
          <dt>{t('detections.detail.expires')}</dt>
          <dd className="num-time">
            {formatDateTime(d.expiresAt)} {d.expired && <span className="badge badge-muted">{t('detections.detail.expired')}</span>}
          </dd>
          <dt>{t('detections.detail.flows')}</dt>
          <dd className="num" data-testid="evidence-flows">
            {formatInteger(d.evidence.flows, locale)}
          </dd>
          <dt>{t('detections.detail.peers')}</dt>
          <dd className="num">
            {formatInteger(d.evidence.peers, locale)}
            {d.evidence.seedPeers !== undefined && ` (${t('detections.detail.seedPeers')} ${formatInteger(d.evidence.seedPeers, locale)})`}
          </dd>
          <dt>{t('detections.detail.scores')}</dt>
          <dd>
            <ul className="chip-list" data-testid="evidence-scores">
              {Object.entries(d.evidence.scores).map(([name, s]) => (
                <li key={name} className="chip">
                  {name} {s.toFixed(2)}
                </li>
              ))}
            </ul>
          </dd>
          {d.evidence.facts && (
            <>
              <dt>{t('detections.detail.facts')}</dt>
              <dd>
                <ul className="chip-list">
                  {Object.entries(d.evidence.facts).map(([k, v]) => (
                    <li key={k} className="chip">
                      {k}: {String(v)}
                    </li>
                  ))}
                </ul>
              </dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}
