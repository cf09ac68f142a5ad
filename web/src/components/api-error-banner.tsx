import type { ApiError } from '../api/api-client';
import { formatClock } from '../format/format';
import { useI18n } from '../i18n/i18n-context';

/** Says plainly that the screen is not live, and since when, instead of showing frozen numbers as if they were. */
export function ApiErrorBanner({ error, lastOkAt }: { error: ApiError; lastOkAt: number | undefined }) {
  const { t, locale } = useI18n();
  const detail = error.failure.detail;
  const unreachable = error.failure.kind === 'unreachable';
  return (
    <div className="notice notice-error" role="alert" data-testid="api-error">
      <strong className="notice-title">{unreachable ? t('api.unreachable.title') : t('api.error.title')}</strong>
      <span>
        {unreachable
          ? lastOkAt === undefined
            ? t('api.unreachable.bodyNoData', { detail })
            : t('api.unreachable.body', { detail, time: formatClock(lastOkAt, locale) })
          : t('api.error.body', { detail: error.failure.kind === 'http' && error.failure.code ? `${error.failure.code}: ${detail}` : detail })}
      </span>
    </div>
  );
}
