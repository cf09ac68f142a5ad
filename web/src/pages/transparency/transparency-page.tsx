import { useState } from 'react';
import { ApiError, fetchTransparencyStatus, postTransparencyVerify } from '../../api/api-client';
import type { TransparencyStatus, TransparencyVerifyResult } from '../../api/transparency-types';
import { usePolling } from '../../api/use-polling';
import { ApiErrorBanner } from '../../components/api-error-banner';
import { PageHead } from '../../components/page-head';
import { formatClock, formatDateTime, formatInteger } from '../../format/format';
import { useI18n } from '../../i18n/i18n-context';

const POLL_MS = 5_000;
/** Characters of the base64 root hash shown before the ellipsis; the full value is one click away. */
const SHORT_HASH = 12;

/**
 * The commission's view of the transparency log: how big it is, the latest signed tree head and
 * who signed it, the keys to verify with, and a button that runs the offline audit check over
 * the log as it is now.
 */
export function TransparencyPage() {
  const { t } = useI18n();
  const status = usePolling(fetchTransparencyStatus, { intervalMs: POLL_MS });
  const data = status.data;
  const live = data !== undefined && status.error === undefined;

  return (
    <div className={`page page-transparency${live ? '' : ' is-stale'}`} aria-busy={data === undefined && status.error === undefined}>
      <PageHead title={t('transparency.title')} intro={t('transparency.intro')} hasData={data !== undefined} live={live} receivedAt={status.receivedAt} />
      {status.error && <ApiErrorBanner error={status.error} lastOkAt={status.receivedAt} />}
      {data === undefined ? (
        status.error === undefined && <p className="loading">{t('api.loading')}</p>
      ) : (
        <div className="page-body tlog-grid">
          <div className="tlog-column">
            <LogSize status={data} />
            <VerifyPanel />
          </div>
          <div className="tlog-column">
            <CheckpointPanel status={data} />
            <KeysPanel status={data} />
          </div>
        </div>
      )}
    </div>
  );
}

function LogSize({ status }: { status: TransparencyStatus }) {
  const { t, locale } = useI18n();
  const uncovered = status.size - (status.latestCheckpoint?.size ?? 0);
  return (
    <dl className="stat-card tlog-size" data-testid="tlog-size" data-value={status.size}>
      <dt>{t('transparency.size')}</dt>
      <dd className="stat-value num">{formatInteger(status.size, locale)}</dd>
      <dd className="stat-detail">{uncovered > 0 ? t('transparency.uncovered', { n: formatInteger(uncovered, locale) }) : t('transparency.allCovered')}</dd>
    </dl>
  );
}

function CheckpointPanel({ status }: { status: TransparencyStatus }) {
  const { t, locale } = useI18n();
  const cp = status.latestCheckpoint;
  return (
    <section className="panel tlog-checkpoint" aria-labelledby="tlog-cp-heading" data-testid="tlog-checkpoint" data-size={cp?.size ?? ''}>
      <div className="panel-head">
        <h2 id="tlog-cp-heading">{t('transparency.checkpoint.heading')}</h2>
        {cp && (
          <span
            className={`badge ${cp.cosigned ? 'badge-ok' : 'badge-muted'}`}
            data-testid="tlog-cosigned"
            data-cosigned={String(cp.cosigned)}
            title={cp.cosigned ? t('transparency.checkpoint.cosignedHint') : t('transparency.checkpoint.notCosignedHint')}
          >
            {cp.cosigned ? `✓ ${t('transparency.checkpoint.cosigned')}` : t('transparency.checkpoint.notCosigned')}
          </span>
        )}
      </div>
      {cp === null ? (
        <p className="empty">{t('transparency.checkpoint.none')}</p>
      ) : (
        <dl className="kv">
          <dt>{t('transparency.checkpoint.size')}</dt>
          <dd className="num" data-testid="tlog-cp-size">
            {formatInteger(cp.size, locale)}
          </dd>
          <dt>{t('transparency.checkpoint.rootHash')}</dt>
          <dd>
            <HashValue value={cp.rootHash} />
          </dd>
          <dt>{t('transparency.checkpoint.signers')}</dt>
          <dd>
            <ul className="chip-list">
              {cp.signers.map((s, i) => (
                <li key={`${s}/${i}`} className={i === 0 ? 'chip chip-log' : 'chip chip-witness'}>
                  {s}
                </li>
              ))}
            </ul>
          </dd>
          <dt>{t('transparency.checkpoint.createdAt')}</dt>
          <dd className="num" title={cp.createdAt}>
            {formatDateTime(Date.parse(cp.createdAt))}
          </dd>
          <dt>{t('transparency.checkpoint.origin')}</dt>
          <dd>
            <code>{cp.origin}</code>
          </dd>
        </dl>
      )}
    </section>
  );
}

/** A base64 hash in short form; the full value selectable in one click, and copyable. */
function HashValue({ value }: { value: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = () => {
    void navigator.clipboard?.writeText(value).then(
      () => {
        setCopied(true);
        setTimeout(() => setCopied(false), 1_500);
      },
      () => undefined,
    );
  };
  return (
    <span className="hash">
      <code className="hash-short" title={value} data-testid="tlog-root-short">
        {value.length > SHORT_HASH ? `${value.slice(0, SHORT_HASH)}…` : value}
      </code>
      <button type="button" className="btn-small" onClick={copy}>
        {copied ? t('transparency.copied') : t('transparency.copy')}
      </button>
      <code className="hash-full" data-testid="tlog-root-full">
        {value}
      </code>
    </span>
  );
}

function KeysPanel({ status }: { status: TransparencyStatus }) {
  const { t } = useI18n();
  const origin = status.latestCheckpoint?.origin;
  return (
    <section className="panel tlog-keys" aria-labelledby="tlog-keys-heading">
      <div className="panel-head">
        <h2 id="tlog-keys-heading">{t('transparency.keys.heading')}</h2>
        <span className="panel-meta">{t('transparency.keys.hint')}</span>
      </div>
      {status.verifierKeys.length === 0 ? (
        <p className="empty">{t('transparency.keys.empty')}</p>
      ) : (
        <ul className="key-list" data-testid="tlog-keys">
          {status.verifierKeys.map((k, i) => {
            const isLog = origin === undefined ? i === 0 : k.startsWith(`${origin}+`);
            return (
              <li key={k}>
                <span className={`chip ${isLog ? 'chip-log' : 'chip-witness'}`}>{isLog ? t('transparency.keys.log') : t('transparency.keys.witness')}</span>
                <code className="hash-full">{k}</code>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

type VerifyState =
  | { kind: 'idle' }
  | { kind: 'running' }
  | { kind: 'done'; result: TransparencyVerifyResult; at: number }
  | { kind: 'error'; detail: string };

function VerifyPanel() {
  const { t, locale } = useI18n();
  const [state, setState] = useState<VerifyState>({ kind: 'idle' });
  const run = async () => {
    setState({ kind: 'running' });
    try {
      const result = await postTransparencyVerify();
      setState({ kind: 'done', result, at: Date.now() });
    } catch (e) {
      setState({ kind: 'error', detail: e instanceof ApiError ? e.failure.detail : String(e) });
    }
  };
  return (
    <section className="panel tlog-verify" aria-labelledby="tlog-verify-heading">
      <div className="panel-head">
        <h2 id="tlog-verify-heading">{t('transparency.verify.heading')}</h2>
      </div>
      <div className="tlog-verify-body">
        <p className="panel-meta">{t('transparency.verify.hint')}</p>
        <button type="button" className="btn-primary" onClick={() => void run()} disabled={state.kind === 'running'} data-testid="tlog-verify-button">
          {state.kind === 'running' ? t('transparency.verify.running') : t('transparency.verify.button')}
        </button>
        <div aria-live="polite">
          {state.kind === 'done' && (
            <div className={`verify-result ${state.result.ok ? 'is-ok' : 'is-failed'}`} data-testid="tlog-verify-result" data-ok={String(state.result.ok)}>
              <strong className="verify-verdict">
                <span aria-hidden="true">{state.result.ok ? '✓' : '✗'}</span> {state.result.ok ? t('transparency.verify.ok') : t('transparency.verify.failed')}
              </strong>
              <span>
                {t('transparency.verify.counts', {
                  entries: formatInteger(state.result.checkedEntries, locale),
                  checkpoints: formatInteger(state.result.checkedCheckpoints, locale),
                  ms: formatInteger(state.result.durationMs, locale),
                })}
              </span>
              <span className="panel-meta">{t('transparency.verify.at', { time: formatClock(state.at, locale) })}</span>
              {state.result.firstProblem && (
                <p className="verify-problem">
                  <strong>{t('transparency.verify.firstProblem')}:</strong> <code>{state.result.firstProblem}</code>
                </p>
              )}
            </div>
          )}
          {state.kind === 'error' && (
            <p className="notice notice-error" role="alert">
              {t('transparency.verify.error', { detail: state.detail })}
            </p>
          )}
        </div>
      </div>
    </section>
  );
}
