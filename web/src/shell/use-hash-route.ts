import { useSyncExternalStore } from 'react';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** '#/collector' → 'collector'. Hash routing needs no server-side fallback for deep links. */
function currentPath(): string {
  return window.location.hash.replace(/^#\/?/, '').split(/[?#]/)[0] ?? '';
}

export function useHashRoute(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

export function hrefFor(path: string): string {
  return `#/${path}`;
}
