import { useCallback } from 'react';
import { fetchRecentFlows, type ApiError } from '../../api/api-client';
import type { InstanceRole, RecentFlow } from '../../api/collector-types';
import { usePolling } from '../../api/use-polling';
import { formatDateTime, formatInteger, formatIso, hasPorts, protocolName } from '../../format/format';
import { useI18n } from '../../i18n/i18n-context';

const LIMIT = 50;

/** 403 (the role may never see pre-selection records) and 404 (no such API) will not change by retrying. */
const retryOn = (e: ApiError): boolean => !e.forbidden && !e.notFound;

/**
 * The latest decoded records. Pre-selection data (選別前の通信情報): in the cyber-office role it is
 * never requested nor shown, since Act Art. 22/23 allow it no use but automated selection.
 */
export function RecentFlowsPanel({ role }: { role: InstanceRole }) {
  const { t } = useI18n();
  const maySee = role !== 'cyber-office';
  const load = useCallback((signal: AbortSignal) => fetchRecentFlows(LIMIT, signal), []);
  const flows = usePolling(load, { intervalMs: 1_000, retryOn, enabled: maySee });
  const forbidden = !maySee || flows.error?.forbidden === true;

  return (
    <section className="panel" aria-labelledby="flows-heading">
      <header className="panel-head">
        <h2 id="flows-heading">{t('flows.heading')}</h2>
        {!forbidden && <span className="panel-meta">{t('flows.latest', { n: LIMIT })}</span>}
      </header>
      {forbidden ? (
        <div className="notice notice-legal" role="note" data-testid="flows-forbidden">
          <strong className="notice-title">{t('flows.forbidden.title')}</strong>
          <span>{t('flows.forbidden.body')}</span>
        </div>
      ) : flows.error?.notFound ? (
        <p className="empty">{t('flows.unavailable')}</p>
      ) : (
        <>
          {flows.error && <p className="notice notice-error">{t('flows.error', { detail: flows.error.failure.detail })}</p>}
          {flows.data === undefined ? null : flows.data.records.length === 0 ? (
            <p className="empty">{t('flows.empty')}</p>
          ) : (
            <FlowsTable records={flows.data.records} />
          )}
          <p className="panel-foot">{t('flows.mechanicalOnly')}</p>
        </>
      )}
    </section>
  );
}

function FlowsTable({ records }: { records: readonly RecentFlow[] }) {
  const { t, locale } = useI18n();
  return (
    <div className="table-scroll table-scroll-tall">
      <table className="data-table" data-testid="flows-table" aria-labelledby="flows-heading">
        <thead>
          <tr>
            <th scope="col">{t('flows.col.start')}</th>
            <th scope="col">{t('flows.col.exporter')}</th>
            <th scope="col">{t('flows.col.src')}</th>
            <th scope="col">{t('flows.col.dst')}</th>
            <th scope="col">{t('flows.col.ports')}</th>
            <th scope="col">{t('flows.col.proto')}</th>
            <th scope="col" className="num">
              {t('flows.col.packets')}
            </th>
            <th scope="col" className="num">
              {t('flows.col.octets')}
            </th>
          </tr>
        </thead>
        <tbody>
          {records.map((r, i) => (
            <tr key={`${r.start}/${r.exporter}/${r.src}/${r.srcPort}/${r.dst}/${r.dstPort}/${r.proto}/${i}`}>
              <td className="num-time">
                <time dateTime={formatIso(r.start)} title={formatIso(r.start)}>
                  {formatDateTime(r.start)}
                </time>
              </td>
              <td className="mono">{r.exporter}</td>
              <td className="mono">{r.src}</td>
              <td className="mono">{r.dst}</td>
              <td className="mono">{hasPorts(r.proto) ? `${r.srcPort} → ${r.dstPort}` : '—'}</td>
              <td>{protocolName(r.proto)}</td>
              <td className="num">{formatInteger(r.packets, locale)}</td>
              <td className="num">{formatInteger(r.octets, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
