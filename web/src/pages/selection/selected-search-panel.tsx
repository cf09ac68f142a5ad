import { useState, type FormEvent } from 'react';
import { ApiError, fetchSelectedRecords } from '../../api/api-client';
import { READER_ROLES, type ReaderRole, type SelectedReadResult } from '../../api/selection-types';
import { formatDateTime } from '../../format/format';
import { useI18n } from '../../i18n/i18n-context';

/** The server's rules (src/api/routes/selected-routes.ts), checked here first so a bad form never calls it. */
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$/;
const MIN_PURPOSE = 8;

/**
 * Purpose-bound read of selected records (Act Art. 23): no read without a stated purpose; the
 * answer names the transparency log entry that recorded the read before the data came back.
 */
export function SelectedSearchPanel() {
  const { t } = useI18n();
  const [user, setUser] = useState('');
  const [role, setRole] = useState<ReaderRole>('cyber-office-analyst');
  const [organisation, setOrganisation] = useState('');
  const [purpose, setPurpose] = useState('');
  const [limit, setLimit] = useState(50);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<SelectedReadResult | undefined>();
  const [error, setError] = useState<string | undefined>();
  const purposeOk = purpose.trim().length >= MIN_PURPOSE && purpose.length <= 500;
  const userOk = USER_ID.test(user);
  // An operator reads as its organisation: the records of the agreements that name it.
  const organisationOk = role !== 'operator' || USER_ID.test(organisation);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!purposeOk || !userOk || !organisationOk || running) return;
    setRunning(true);
    setError(undefined);
    try {
      setResult(await fetchSelectedRecords({ purpose, user, role, limit, ...(role === 'operator' ? { organisation } : {}) }));
    } catch (err) {
      setResult(undefined);
      const f = err instanceof ApiError ? err.failure : undefined;
      setError(f?.kind === 'http' && f.code ? `${f.code}: ${f.detail}` : (f?.detail ?? String(err)));
    } finally {
      setRunning(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="selected-search-heading">
      <header className="panel-head">
        <h2 id="selected-search-heading">{t('selection.search.heading')}</h2>
      </header>
      <p className="panel-meta">{t('selection.search.hint')}</p>
      <form className="search-form" onSubmit={(e) => void submit(e)} data-testid="selected-search">
        <label>
          {t('selection.search.user')}
          <input name="user" value={user} onChange={(e) => setUser(e.target.value)} autoComplete="username" aria-invalid={user !== '' && !userOk} />
        </label>
        <label>
          {t('selection.search.role')}
          <select name="role" value={role} onChange={(e) => setRole(e.target.value as ReaderRole)}>
            {READER_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`selection.search.role.${r}`)}
              </option>
            ))}
          </select>
        </label>
        {role === 'operator' && (
          <label>
            {t('selection.search.organisation')}
            <input name="organisation" value={organisation} onChange={(e) => setOrganisation(e.target.value)} required aria-invalid={organisation !== '' && !organisationOk} />
          </label>
        )}
        <label className="search-purpose">
          {t('selection.search.purpose')}
          <input name="purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)} maxLength={500} required aria-invalid={purpose !== '' && !purposeOk} />
        </label>
        <label>
          {t('selection.search.limit')}
          <input name="limit" type="number" min={1} max={1000} value={limit} onChange={(e) => setLimit(Math.min(1000, Math.max(1, Number(e.target.value) || 1)))} />
        </label>
        <button type="submit" className="btn-primary" disabled={!purposeOk || !userOk || !organisationOk || running}>
          {running ? t('selection.search.running') : t('selection.search.submit')}
        </button>
      </form>
      {!purposeOk && <p className="panel-meta" data-testid="purpose-required">{t('selection.search.needPurpose')}</p>}
      {user !== '' && !userOk && <p className="panel-meta">{t('selection.search.badUser')}</p>}
      {error && (
        <p className="notice notice-error" role="alert" data-testid="selected-error">
          {t('selection.search.error', { detail: error })}
        </p>
      )}
      {result && <SelectedResult result={result} />}
    </section>
  );
}

function SelectedResult({ result }: { result: SelectedReadResult }) {
  const { t } = useI18n();
  return (
    <>
      <p className="notice" role="status" data-testid="access-recorded" data-seq={result.accessEntrySeq}>
        {t('selection.search.recorded', { seq: result.accessEntrySeq, n: result.records.length })}
      </p>
      {result.records.length === 0 ? (
        <p className="empty">{t('selection.search.empty')}</p>
      ) : (
        <div className="table-scroll table-scroll-tall">
          <table className="data-table" data-testid="selected-table" aria-labelledby="selected-search-heading">
            <thead>
              <tr>
                <th scope="col">{t('selection.search.col.storedAt')}</th>
                <th scope="col">{t('selection.search.col.approval')}</th>
                <th scope="col">{t('selection.search.col.criteria')}</th>
                <th scope="col">{t('selection.search.col.fields')}</th>
              </tr>
            </thead>
            <tbody>
              {result.records.map((r) => (
                <tr key={r.id}>
                  <td className="num-time">{formatDateTime(Date.parse(r.storedAt))}</td>
                  <td className="mono">{r.approvalId}</td>
                  <td className="mono">{r.criteria.join(', ')}</td>
                  <td className="mono">
                    {Object.entries(r.fields)
                      .map(([k, v]) => `${k}=${k === 'start' || k === 'end' ? formatDateTime(Number(v)) : String(v)}`)
                      .join(' ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
