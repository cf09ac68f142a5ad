import { fetchSelectionStatus } from '../../api/api-client';
import type { SelectionApproval, SelectionStatus } from '../../api/selection-types';
import { usePolling } from '../../api/use-polling';
import { ApiErrorBanner } from '../../components/api-error-banner';
import { PageHead } from '../../components/page-head';
import { formatClock, formatDateTime, formatInteger, formatPercent } from '../../format/format';
import { useI18n } from '../../i18n/i18n-context';
import { SelectedSearchPanel } from './selected-search-panel';
import { SelectionCharts } from './selection-charts';

const POLL_MS = 1_000;
const SHORT_HASH = 12;

/**
 * Approved selection (自動選別, Act Art. 22) as the cyber office and the commission see it: which
 * channels run on which feeds, under which approvals and until when, how much is kept and erased,
 * and a purpose-bound read of what was kept (Act Art. 23). Counts and ids only.
 */
export function SelectionPage() {
  const { t } = useI18n();
  const status = usePolling(fetchSelectionStatus, { intervalMs: POLL_MS });
  const data = status.data;
  const live = data !== undefined && status.error === undefined;
  return (
    <div className={`page page-selection${live ? '' : ' is-stale'}`} aria-busy={data === undefined && status.error === undefined}>
      <PageHead title={t('selection.title')} intro={t('selection.intro')} hasData={data !== undefined} live={live} receivedAt={status.receivedAt} />
      {status.error && <ApiErrorBanner error={status.error} lastOkAt={status.receivedAt} />}
      {data === undefined ? (
        status.error === undefined && <p className="loading">{t('api.loading')}</p>
      ) : !data.enabled ? (
        <p className="notice" data-testid="selection-disabled">
          {t('selection.carrier')}
        </p>
      ) : (
        <div className="page-body">
          <SelectionTotals status={data} />
          <ReloadNotice status={data} />
          <ChannelsPanel status={data} />
          <ApprovalsPanel approvals={data.approvals} />
          <SelectionCharts history={data.history} approvals={data.approvals} now={Date.parse(data.now)} />
          <SelectedSearchPanel />
        </div>
      )}
    </div>
  );
}

function SelectionTotals({ status }: { status: SelectionStatus }) {
  const { t, locale } = useI18n();
  const { totals } = status;
  const cards = [
    { id: 'in', label: t('selection.totals.in'), value: totals.in, shown: formatInteger(totals.in, locale) },
    { id: 'selected', label: t('selection.totals.selected'), value: totals.selected, shown: formatInteger(totals.selected, locale) },
    { id: 'erased', label: t('selection.totals.erased'), value: totals.erased, shown: formatInteger(totals.erased, locale) },
    { id: 'ratio', label: t('selection.totals.ratio'), value: totals.in > 0 ? totals.selected / totals.in : 0, shown: totals.in > 0 ? formatPercent(totals.selected / totals.in, locale) : '—' },
  ];
  return (
    <section className="totals" aria-labelledby="selection-totals-heading">
      <h2 id="selection-totals-heading" className="visually-hidden">
        {t('selection.totals.heading')}
      </h2>
      <dl className="totals-grid">
        {cards.map((c) => (
          <div key={c.id} className="stat-card tone-neutral" data-testid={`selection-${c.id}`} data-value={c.value}>
            <dt>{c.label}</dt>
            <dd className="stat-value num">{c.shown}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function ReloadNotice({ status }: { status: SelectionStatus }) {
  const { t, locale } = useI18n();
  const r = status.lastReload;
  return (
    <>
      {status.refused.map((x) => (
        <p key={x.file} className="notice notice-error" role="alert">
          {t('selection.refused', { file: x.file, code: x.code })}
        </p>
      ))}
      {r && (
        <p className={`notice${r.ok ? '' : ' notice-error'}`} data-testid="selection-reload" data-ok={String(r.ok)}>
          {r.ok
            ? t('selection.reload.ok', { time: formatClock(Date.parse(r.at), locale), trigger: r.trigger })
            : t('selection.reload.refused', { time: formatClock(Date.parse(r.at), locale), code: r.code ?? '' })}
        </p>
      )}
    </>
  );
}

function ChannelsPanel({ status }: { status: SelectionStatus }) {
  const { t } = useI18n();
  return (
    <section className="panel" aria-labelledby="channels-heading">
      <header className="panel-head">
        <h2 id="channels-heading">{t('selection.channels.heading')}</h2>
      </header>
      {status.channels.length === 0 ? (
        <p className="empty">{t('selection.channels.empty')}</p>
      ) : (
        <dl className="kv" data-testid="selection-channels">
          {status.channels.map((c) => (
            <div key={c.channel} data-channel={c.channel}>
              <dt>{t(`selection.channel.${c.channel}`)}</dt>
              <dd>
                {t('selection.channels.feeds')}: <span className="mono">{c.feeds.join(', ')}</span> · {t('selection.channels.approvals')}:{' '}
                <span className="mono">{c.approvalIds.join(', ')}</span>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

function ApprovalsPanel({ approvals }: { approvals: readonly SelectionApproval[] }) {
  const { t, locale } = useI18n();
  const n = (v: number) => formatInteger(v, locale);
  return (
    <section className="panel" aria-labelledby="approvals-heading">
      <header className="panel-head">
        <h2 id="approvals-heading">{t('selection.approvals.heading')}</h2>
      </header>
      {approvals.length === 0 ? (
        <p className="empty">{t('selection.approvals.empty')}</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table" data-testid="approvals-table" aria-labelledby="approvals-heading">
            <thead>
              <tr>
                <th scope="col">{t('selection.approvals.id')}</th>
                <th scope="col">{t('selection.approvals.channel')}</th>
                <th scope="col">{t('selection.approvals.validity')}</th>
                <th scope="col">{t('selection.approvals.state')}</th>
                <th scope="col">{t('selection.approvals.criteriaHash')}</th>
                <th scope="col" className="num">
                  {t('selection.approvals.counts')}
                </th>
                <th scope="col">{t('selection.approvals.perCriterion')}</th>
              </tr>
            </thead>
            <tbody>
              {approvals.map((a) => (
                <tr key={a.id} data-testid="approval-row" data-approval-id={a.id} data-state={a.state}>
                  <td className="mono">{a.id}</td>
                  <td>
                    {t(`selection.channel.${a.channel}`)}
                    {a.operator !== undefined && (
                      <div className="panel-meta" data-testid="approval-operator">
                        {t('selection.approvals.operator', { operator: a.operator })}
                      </div>
                    )}
                  </td>
                  <td className="num-time">
                    <time dateTime={a.validFrom}>{formatDateTime(Date.parse(a.validFrom))}</time> – <time dateTime={a.validTo}>{formatDateTime(Date.parse(a.validTo))}</time>
                  </td>
                  <td>
                    <span className={`state-badge state-${a.state}`}>{t(`selection.state.${a.state}`)}</span>
                    {a.revokedAt && (
                      <div className="panel-meta">{t('selection.approvals.revokedBy', { who: a.revokedBy ?? '', time: formatDateTime(Date.parse(a.revokedAt)) })}</div>
                    )}
                  </td>
                  <td className="mono" title={a.criteriaHash}>
                    {a.criteriaHash.slice(0, SHORT_HASH)}…
                  </td>
                  <td className="num">
                    {n(a.counts.in)} / {n(a.counts.selected)} / {n(a.counts.erased)}
                  </td>
                  <td className="mono">
                    {a.criteriaIds.map((id) => `${id}: ${n(a.counts.perCriterion[id] ?? 0)}`).join(', ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
