import { fetchCollectorStatus } from '../../api/api-client';
import { usePolling } from '../../api/use-polling';
import { ApiErrorBanner } from '../../components/api-error-banner';
import { useI18n } from '../../i18n/i18n-context';
import { CollectorCharts } from './collector-charts';
import { CollectorSummary } from './collector-summary';
import { ExportersTable } from './exporters-table';
import { RecentFlowsPanel } from './recent-flows-panel';
import { TotalsCards } from './totals-cards';

const POLL_MS = 1_000;

/** Live view of the flow collector: what arrives, what is decoded, and what is lost and why. */
export function CollectorPage() {
  const { t } = useI18n();
  const status = usePolling(fetchCollectorStatus, { intervalMs: POLL_MS });
  const data = status.data;
  const live = data !== undefined && status.error === undefined;
  const now = data ? Date.parse(data.now) : Date.now();

  return (
    <div className={`page page-collector${live ? '' : ' is-stale'}`} aria-busy={data === undefined && status.error === undefined}>
      <CollectorSummary status={data} live={live} receivedAt={status.receivedAt} />
      {status.error && <ApiErrorBanner error={status.error} lastOkAt={status.receivedAt} />}
      {data === undefined ? (
        status.error === undefined && <p className="loading">{t('api.loading')}</p>
      ) : (
        <div className="page-body">
          <TotalsCards status={data} />
          <CollectorCharts history={data.history} now={now} />
          <ExportersTable exporters={data.exporters} now={now} />
          <RecentFlowsPanel role={data.role} />
        </div>
      )}
    </div>
  );
}
