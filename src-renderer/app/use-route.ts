import { useCallback, useSyncExternalStore } from 'react';
import { parseRoute, routeHref, type Route } from './route.js';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const getHash = () => window.location.hash;

/** The current hash route; re-renders on back/forward and link clicks. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, getHash);
  return parseRoute(hash);
}

export function navigate(route: Route | string): void {
  const href = typeof route === 'string' ? route : routeHref(route);
  if (window.location.hash !== href) window.location.hash = href;
}

export function useNavigate(): (route: Route | string) => void {
  return useCallback((route) => navigate(route), []);
}
