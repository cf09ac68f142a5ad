import { useState } from 'react';
import { ApiError, fetchHubEntries, fetchHubOverlap, postHubVet } from '../../api/api-client';
import type { HubEntry, HubStatus } from '../../api/detection-types';
import { usePolling } from '../../api/use-polling';
import { ApiErrorBanner } from '../../components/api-error-banner';
import { formatInteger, formatPercent } from '../../format/format';
import { useI18n } from '../../i18n/i18n-context';
import type { MessageKey } from '../../i18n/messages';
import { addressText } from '../detections/detection-table';

const POLL_MS = 5_000;

/** What an analyst can do from each status (the server enforces the same transitions). */
const ACTIONS: Record<HubStatus, readonly { to: string; label: MessageKey }[]> = {
  pending: [{ to: 'vetted', label: 'hub.action.vet' }, { to: 'rejected', label: 'hub.action.reject' }],
  vetted: [{ to: 'published', label: 'hub.action.publish' }, { to: 'rejected', label: 'hub.action.reject' }],
  published: [{ to: 'rejected', label: 'hub.action.reject' }],
  rejected: [{ to: 'pending', label: 'hub.action.reopen' }],
  allowlisted: [],
};

/** The hub's merged C&C list with vetting, and how much carriers' lists overlap (seed 004). */
export function HubPage() {
  const { t, locale } = useI18n();
  const notHub = (e: ApiError) => !e.notFound;
  const entries = usePolling(fetchHubEntries, { intervalMs: POLL_MS, retryOn: notHub });
  const overlap = usePolling(fetchHubOverlap, { intervalMs: POLL_MS, retryOn: notHub });
  const [user, setUser] = useState('hub-analyst');
  const [actionError, setActionError] = useState<ApiError | undefined>(undefined);
  const [local, setLocal] = useState<Record<string, HubEntry>>({});
  if (entries.error?.notFound) {
    return (
      <div className="page page-hub">
        <h1>{t('hub.title')}</h1>
        <p className="notice" data-testid="hub-not-hub">
          {t('hub.notHub')}
        </p>
      </div>
    );
  }
  const key = (e: { ip: string; port: number; proto: number }) => `${e.ip}|${e.port}|${e.proto}`;
  const vet = async (e: HubEntry, to: string) => {
    try {
      const updated = await postHubVet({ ip: e.ip, port: e.port, proto: e.proto }, to, user);
      setLocal((m) => ({ ...m, [key(e)]: updated }));
      setActionError(undefined);
    } catch (err) {
      setActionError(err instanceof ApiError ? err : new ApiError({ kind: 'invalid', detail: String(err) }));
    }
  };
  const rows = (entries.data?.entries ?? []).map((e) => {
    // The answer of a vet action shows at once; the next poll carries the same or a later change.
    const l = local[key(e)];
    return l && (l.vettedAt ?? 0) >= (e.vettedAt ?? 0) ? { ...e, status: l.status, note: l.note, vettedBy: l.vettedBy, vettedAt: l.vettedAt } : e;
  });
  const o = overlap.data;
  return (
    <div className="page page-hub" aria-busy={entries.data === undefined && entries.error === undefined}>
      <div className="page-head">
        <div className="page-title-row">
          <h1>{t('hub.title')}</h1>
          <a className="btn-small" href="/api/v1/hub/list" target="_blank" rel="noreferrer">
            {t('hub.signedList')}
          </a>
        </div>
        <p className="page-intro">{t('hub.intro')}</p>
      </div>
      {(entries.error ?? overlap.error) && <ApiErrorBanner error={(entries.error ?? overlap.error)!} lastOkAt={entries.receivedAt} />}
      {actionError && <ApiErrorBanner error={actionError} lastOkAt={undefined} />}
      {o && (
        <section className="panel" aria-labelledby="hub-overlap-heading" data-testid="hub-overlap" data-total={o.total} data-one={o.seenBy.one} data-two={o.seenBy.two} data-three={o.seenBy.threeOrMore}>
          <div className="panel-head">
            <h2 id="hub-overlap-heading">{t('hub.overlap.heading')}</h2>
            <span className="panel-meta">{t('hub.overlap.total', { n: formatInteger(o.total, locale) })}</span>
          </div>
          <div className="totals-grid">
            {(
              [
                ['hub.overlap.seenBy1', o.seenBy.one],
                ['hub.overlap.seenBy2', o.seenBy.two],
                ['hub.overlap.seenBy3', o.seenBy.threeOrMore],
              ] as const
            ).map(([label, n]) => (
              <dl key={label} className="stat-card">
                <dt>{t(label)}</dt>
                <dd className="stat-value num">{formatInteger(n, locale)}</dd>
              </dl>
            ))}
          </div>
          <div className="table-scroll">
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">{t('hub.overlap.carrier')}</th>
                  <th scope="col">{t('hub.overlap.entries')}</th>
                  <th scope="col">{t('hub.overlap.unique')}</th>
                </tr>
              </thead>
              <tbody>
                {o.carriers.map((c) => (
                  <tr key={c.carrierId}>
                    <td className="mono">{c.carrierId}</td>
                    <td className="num">{formatInteger(c.entries, locale)}</td>
                    <td className="num">{formatInteger(c.unique, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <table className="data-table" data-testid="hub-pairs">
              <thead>
                <tr>
                  <th scope="col">{t('hub.overlap.pairs')}</th>
                  <th scope="col">{t('hub.overlap.jaccard')}</th>
                  <th scope="col">{t('hub.overlap.common')}</th>
                </tr>
              </thead>
              <tbody>
                {o.pairs.map((p) => (
                  <tr key={`${p.a}|${p.b}`}>
                    <td className="mono">
                      {p.a} × {p.b}
                    </td>
                    <td className="num">{formatPercent(p.jaccard, locale)}</td>
                    <td className="num">
                      {formatInteger(p.intersection, locale)} / {formatInteger(p.union, locale)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <section className="panel" aria-labelledby="hub-list-heading">
        <div className="panel-head">
          <h2 id="hub-list-heading">{t('hub.list.heading')}</h2>
          <label className="det-filter" title={t('hub.userHint')}>
            {t('hub.user')} <input value={user} onChange={(e) => setUser(e.target.value)} size={14} data-testid="hub-user" />
          </label>
        </div>
        <div className="table-scroll table-scroll-tall">
          <table className="data-table" data-testid="hub-entries">
            <thead>
              <tr>
                <th scope="col">{t('detections.col.score')}</th>
                <th scope="col">{t('detections.col.address')}</th>
                <th scope="col">{t('hub.col.carriers')}</th>
                <th scope="col">{t('hub.col.status')}</th>
                <th scope="col">{t('hub.col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={key(e)} data-key={key(e)} data-status={e.status}>
                  <td className="num">{e.score.toFixed(2)}</td>
                  <td className="mono">{addressText(e.ip, e.port)}</td>
                  <td title={e.carriers.map((c) => c.carrierId).join(', ')}>{formatInteger(e.carriers.length, locale)}</td>
                  <td>
                    <span className={`badge status-${e.status}`}>{t(`hub.status.${e.status}`)}</span>
                    {e.allowlistedBy && <span className="panel-meta"> {e.allowlistedBy}</span>}
                  </td>
                  <td>
                    {ACTIONS[e.status].map((a) => (
                      <button key={a.to} type="button" className="btn-small" onClick={() => void vet(e, a.to)}>
                        {t(a.label)}
                      </button>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
