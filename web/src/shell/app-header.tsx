import type { InstanceRole } from '../api/collector-types';
import { useI18n } from '../i18n/i18n-context';
import { LANGS, type Lang } from '../i18n/messages';
import { ROUTES } from './routes';
import { hrefFor } from './use-hash-route';

const LANG_NAMES: Record<Lang, string> = { ja: '日本語', en: 'English' };

export function AppHeader({ role, activePath }: { role: InstanceRole | undefined; activePath: string }) {
  const { t, lang, setLang } = useI18n();
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          防
        </span>
        <span className="brand-text">
          <span className="brand-name">
            {t('app.name')} <span className="brand-latin">{t('app.nameLatin')}</span>
          </span>
          <span className="brand-tagline">{t('app.tagline')}</span>
        </span>
      </div>

      <span
        className={`role-badge role-${role ?? 'unknown'}`}
        data-testid="role-badge"
        data-role={role ?? ''}
        title={t('role.label')}
      >
        <span className="visually-hidden">{t('role.label')}: </span>
        {role === undefined ? t('role.unknown') : t(`role.${role}`)}
      </span>

      <nav className="app-nav" aria-label={t('nav.label')}>
        <ul>
          {ROUTES.map((r) => (
            <li key={r.path}>
              <a href={hrefFor(r.path)} aria-current={r.path === activePath ? 'page' : undefined}>
                {t(r.labelKey)}
              </a>
            </li>
          ))}
        </ul>
      </nav>

      <div className="lang-toggle" role="group" aria-label={t('lang.label')}>
        {LANGS.map((l) => (
          <button key={l} type="button" lang={l} aria-pressed={l === lang} onClick={() => setLang(l)}>
            {LANG_NAMES[l]}
          </button>
        ))}
      </div>
    </header>
  );
}
