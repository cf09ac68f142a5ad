import { formatClock, formatIso } from '../format/format';
import { useI18n } from '../i18n/i18n-context';

/**
 * Title row of a polled page: the title, a live/stale badge once data has arrived, when it was
 * last updated, and the page's one-paragraph introduction.
 */
export function PageHead({ title, intro, hasData, live, receivedAt }: { title: string; intro: string; hasData: boolean; live: boolean; receivedAt: number | undefined }) {
  const { t, locale } = useI18n();
  return (
    <div className="page-head">
      <div className="page-title-row">
        <h1>{title}</h1>
        {hasData && (
          <span className={`live-state ${live ? 'is-live' : 'is-stale'}`} role="status">
            <span className="live-dot" aria-hidden="true" />
            {live ? t('collector.live') : t('collector.stale')}
          </span>
        )}
        {receivedAt !== undefined && (
          <span className="panel-meta" title={formatIso(receivedAt)}>
            {t('collector.updated')} {formatClock(receivedAt, locale)}
          </span>
        )}
      </div>
      <p className="page-intro">{intro}</p>
    </div>
  );
}
