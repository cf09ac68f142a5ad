import { useId } from 'react';
import type { CollectorStatus } from '../../api/collector-types';
import { formatClock, formatDuration, formatInteger, formatIso } from '../../format/format';
import { useI18n } from '../../i18n/i18n-context';

/** Page title, live/demo state, uptime, decode queue and listeners. */
export function CollectorSummary({ status, live, receivedAt }: { status: CollectorStatus | undefined; live: boolean; receivedAt: number | undefined }) {
  const { t, locale } = useI18n();
  const listenersId = useId();
  const startedAt = status ? Date.parse(status.startedAt) : NaN;
  const now = status ? Date.parse(status.now) : NaN;
  const queueRatio = status && status.queue.capacity > 0 ? status.queue.depth / status.queue.capacity : 0;

  return (
    <div className="page-head">
      <div className="page-title-row">
        <h1>{t('collector.title')}</h1>
        {status?.demo && (
          <span className="badge badge-demo" data-testid="demo-badge" title={t('collector.demoHint')}>
            {t('collector.demo')}
          </span>
        )}
        {status && (
          <span className={`live-state ${live ? 'is-live' : 'is-stale'}`} role="status">
            <span className="live-dot" aria-hidden="true" />
            {live ? t('collector.live') : t('collector.stale')}
          </span>
        )}
      </div>

      <dl className="summary-strip">
        <div>
          <dt>{t('collector.uptime')}</dt>
          <dd title={status?.startedAt}>{Number.isFinite(startedAt) && Number.isFinite(now) ? formatDuration(now - startedAt, t) : '—'}</dd>
        </div>
        <div>
          <dt>{t('collector.updated')}</dt>
          <dd title={receivedAt === undefined ? undefined : formatIso(receivedAt)}>{receivedAt === undefined ? '—' : formatClock(receivedAt, locale)}</dd>
        </div>
        <div>
          <dt>{t('collector.queue')}</dt>
          <dd>
            {status ? (
              <>
                <meter
                  className="queue-meter"
                  min={0}
                  max={1}
                  low={0.5}
                  high={0.8}
                  optimum={0}
                  value={queueRatio}
                  aria-label={t('collector.queue')}
                />
                <span className="num">
                  {formatInteger(status.queue.depth, locale)} / {formatInteger(status.queue.capacity, locale)}
                </span>
              </>
            ) : (
              '—'
            )}
          </dd>
        </div>
        <div>
          <dt>{t('collector.receiver')}</dt>
          <dd
            data-testid="receiver"
            title={status ? t(status.receiver === 'native-recvmmsg' ? 'collector.receiverNativeHint' : 'collector.receiverDgramHint') : undefined}
          >
            {status ? t(status.receiver === 'native-recvmmsg' ? 'collector.receiverNative' : 'collector.receiverDgram') : '—'}
          </dd>
        </div>
        <div className="summary-listeners">
          <dt id={listenersId}>{t('listeners.heading')}</dt>
          <dd>
            {status === undefined ? (
              '—'
            ) : status.listeners.length === 0 ? (
              t('listeners.empty')
            ) : (
              <ul className="listener-list" aria-labelledby={listenersId} data-testid="listeners">
                {status.listeners.map((l) => (
                  <li key={`${l.protocol}/${l.address}/${l.port}`}>
                    <span className={`proto-tag proto-${l.protocol}`}>{l.protocol === 'netflow' ? 'NetFlow/IPFIX' : 'sFlow'}</span>
                    <code>{l.address.includes(':') ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`}</code>
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
      </dl>
      {status?.demo && <p className="demo-hint">{t('collector.demoHint')}</p>}
    </div>
  );
}
