import { useEffect, useState } from 'react';

/** A clock for relative labels ("lost 2 min ago"); a UI timer only, it never calls the core. */
export function useNow(intervalMs = 30_000, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, active]);
  return now;
}
