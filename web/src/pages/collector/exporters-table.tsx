import type { ExporterStatus } from '../../api/collector-types';
import { exportFormatName, formatAgo, formatInteger, formatIso } from '../../format/format';
import { useI18n } from '../../i18n/i18n-context';

/** Numeric cell that draws the eye only when an error counter is non-zero. */
function Count({ value, locale, warnIfPositive = false }: { value: number; locale: string; warnIfPositive?: boolean }) {
  return <td className={`num${warnIfPositive && value > 0 ? ' cell-warn' : ''}`}>{formatInteger(value, locale)}</td>;
}

/** One row per exporting device, sorted by address so rows do not jump between polls. */
export function ExportersTable({ exporters, now }: { exporters: readonly ExporterStatus[]; now: number }) {
  const { t, locale } = useI18n();
  const rows = [...exporters].sort((a, b) => a.exporter.localeCompare(b.exporter, 'en', { numeric: true }));

  return (
    <section className="panel" aria-labelledby="exporters-heading">
      <header className="panel-head">
        <h2 id="exporters-heading">{t('exporters.heading')}</h2>
        <span className="panel-meta">{t('exporters.count', { n: formatInteger(rows.length, locale) })}</span>
      </header>
      {rows.length === 0 ? (
        <p className="empty">{t('exporters.empty')}</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table" data-testid="exporters-table" aria-labelledby="exporters-heading">
            <thead>
              <tr>
                <th scope="col" rowSpan={2}>
                  {t('exporters.col.address')}
                </th>
                <th scope="col" rowSpan={2}>
                  {t('exporters.col.format')}
                </th>
                <th scope="col" rowSpan={2} className="num">
                  {t('exporters.col.datagrams')}
                </th>
                <th scope="col" rowSpan={2} className="num">
                  {t('exporters.col.records')}
                </th>
                <th scope="col" rowSpan={2} className="num">
                  {t('exporters.col.malformed')}
                </th>
                <th scope="colgroup" colSpan={3} className="group-head">
                  {t('exporters.col.unknownTemplate')}
                </th>
                <th scope="col" rowSpan={2} className="num">
                  {t('exporters.col.templates')}
                </th>
                <th scope="col" rowSpan={2} className="num">
                  {t('exporters.col.queueDropped')}
                </th>
                <th scope="col" rowSpan={2}>
                  {t('exporters.col.lastSeen')}
                </th>
              </tr>
              <tr>
                <th scope="col" className="num sub-head">
                  {t('exporters.col.held')}
                </th>
                <th scope="col" className="num sub-head">
                  {t('exporters.col.expired')}
                </th>
                <th scope="col" className="num sub-head">
                  {t('exporters.col.recovered')}
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.exporter} data-exporter={e.exporter}>
                  <th scope="row" className="mono">
                    {e.exporter}
                  </th>
                  <td>{exportFormatName(e.lastFormat)}</td>
                  <Count value={e.datagrams} locale={locale} />
                  <Count value={e.records} locale={locale} />
                  <Count value={e.malformed} locale={locale} warnIfPositive />
                  <Count value={e.unknownTemplateSets} locale={locale} />
                  <Count value={e.unknownTemplateExpired} locale={locale} warnIfPositive />
                  <Count value={e.unknownTemplateRecovered} locale={locale} />
                  <td
                    className="num"
                    title={t('exporters.templatesDetail', {
                      templates: formatInteger(e.templates, locale),
                      options: formatInteger(e.optionTemplates, locale),
                      withdrawals: formatInteger(e.templateWithdrawals, locale),
                    })}
                  >
                    {formatInteger(e.templates + e.optionTemplates, locale)}
                  </td>
                  <Count value={e.queueDropped} locale={locale} warnIfPositive />
                  <td>
                    <time dateTime={e.lastSeen > 0 ? formatIso(e.lastSeen) : undefined} title={e.lastSeen > 0 ? formatIso(e.lastSeen) : undefined}>
                      {formatAgo(e.lastSeen, now, t)}
                    </time>
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
