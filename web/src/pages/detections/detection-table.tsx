import type { DetectionPage } from '../../api/detection-types';
import { formatClock, formatInteger } from '../../format/format';
import { useI18n } from '../../i18n/i18n-context';

export function addressText(ip: string, port: number): string {
  if (port === 0) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function DetectionTable(props: { page: DetectionPage; offset: number; pageSize: number; selected: string | undefined; onSelect: (key: string) => void; onPage: (offset: number) => void }) {
  const { page, offset, pageSize, selected, onSelect, onPage } = props;
  const { t, locale } = useI18n();
  if (page.items.length === 0) return <p className="empty">{t('detections.empty')}</p>;
  return (
    <>
      <div className="table-scroll">
        <table className="data-table" data-testid="detections-table" data-total={page.total}>
          <thead>
            <tr>
              <th scope="col">{t('detections.col.rank')}</th>
              <th scope="col">{t('detections.col.score')}</th>
              <th scope="col">{t('detections.col.kind')}</th>
              <th scope="col">{t('detections.col.address')}</th>
              <th scope="col">{t('detections.col.country')}</th>
              <th scope="col">{t('detections.col.as')}</th>
              <th scope="col">{t('detections.col.detectors')}</th>
              <th scope="col">{t('detections.col.lastSeen')}</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((d, i) => (
              <tr key={d.key} data-key={d.key} aria-selected={d.key === selected} className={d.key === selected ? 'is-selected' : undefined}>
                <td className="num">{offset + i + 1}</td>
                <td className="num">
                  <span className="score-bar" style={{ ['--score' as string]: String(d.score) }} aria-hidden="true" />
                  {d.score.toFixed(2)}
                </td>
                <td>{t(`detections.kind.${d.kind}`)}</td>
                <td className="mono">
                  <button type="button" className="link-button" onClick={() => onSelect(d.key)}>
                    {addressText(d.ip, d.port)}
                  </button>
                </td>
                <td>{d.country}</td>
                <td className="num">{d.as === 0 ? '—' : `AS${d.as}`}</td>
                <td>{d.detectors.join(', ')}</td>
                <td className="num-time">{formatClock(d.lastSeen, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="panel-foot">
        <button type="button" className="btn-small" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - pageSize))}>
          {t('detections.prev')}
        </button>
        <span data-testid="detections-page">
          {t('detections.page', { from: formatInteger(offset + 1, locale), to: formatInteger(offset + page.items.length, locale), total: formatInteger(page.total, locale) })}
        </span>
        <button type="button" className="btn-small" disabled={offset + pageSize >= page.total} onClick={() => onPage(offset + pageSize)}>
          {t('detections.next')}
        </button>
      </div>
    </>
  );
}
