import { useEffect } from 'react';
import { I18nProvider, useI18n } from './i18n/i18n-context';
import { AppHeader } from './shell/app-header';
import { ErrorBoundary } from './shell/error-boundary';
import { DEFAULT_ROUTE, ROUTES } from './shell/routes';
import { hrefFor, useHashRoute } from './shell/use-hash-route';
import { useInstanceRole } from './shell/use-instance-role';

function Shell() {
  const { t } = useI18n();
  const role = useInstanceRole();
  const path = useHashRoute();
  const route = path === '' ? DEFAULT_ROUTE : ROUTES.find((r) => r.path === path);

  useEffect(() => {
    if (path === '') window.location.replace(hrefFor(DEFAULT_ROUTE.path));
  }, [path]);

  useEffect(() => {
    document.title = route ? `${t(route.labelKey)} — ${t('app.name')} ${t('app.nameLatin')}` : `${t('app.name')} ${t('app.nameLatin')}`;
  }, [route, t]);

  return (
    <>
      <AppHeader role={role} activePath={route?.path ?? ''} />
      <main className="app-main" id="main">
        <ErrorBoundary key={route?.path ?? ''} fallback={<p className="notice notice-error" role="alert">{t('app.renderError')}</p>}>
          {route ? <route.Page /> : <p className="notice">{t('nav.notFound')}</p>}
        </ErrorBoundary>
      </main>
    </>
  );
}

export function App() {
  return (
    <I18nProvider>
      <Shell />
    </I18nProvider>
  );
}
