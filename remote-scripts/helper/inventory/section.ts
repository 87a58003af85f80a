/** What one inventory section yields: its value, and whether it could really be read. */
export interface SectionResult<T> {
  value: T;
  ok: boolean;
  message?: string;
}

export const okSection = <T>(value: T, message?: string): SectionResult<T> => (message === undefined ? { value, ok: true } : { value, ok: true, message });
export const failedSection = <T>(value: T, message: string): SectionResult<T> => ({ value, ok: false, message });

/** Runs a collector so that a throw becomes a failed section with the fallback value, never a failed snapshot. */
export async function guard<T>(fallback: T, collect: () => Promise<SectionResult<T>>): Promise<SectionResult<T>> {
  try {
    return await collect();
  } catch (err) {
    return failedSection(fallback, `internal error: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Resolves to `fallback` if `promise` takes longer than ms: for calls that can hang (statfs on a dead NFS server). */
export function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
