import { useQueries, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ChangeTask, Preflight } from '../../src-common/change/modules.contract.js';
import type { JournalEvent } from '../../src-common/change/plan.schema.js';
import { useApi } from '../api/api-context.js';
import { appendLog, isActiveTask, upsertTask, type LogEntry } from './change-format.js';

/**
 * The change engine as the UI sees it: modules, tasks (kept in the core: they run on when the
 * wizard closes), each host's live log (change.onProgress, capped), what is installed and the
 * host's journals. Pushes go straight into the query cache, synced once by the app shell.
 */
export const changeKeys = {
  all: ['change'] as const,
  modules: () => ['change', 'modules'] as const,
  tasks: () => ['change', 'tasks'] as const,
  log: (hostId: number) => ['change', 'log', hostId] as const,
  installed: (hostId: number) => ['change', 'installed', hostId] as const,
  journals: (hostId: number) => ['change', 'journals', hostId] as const,
  preflight: (hostId: number, modules: readonly string[]) => ['change', 'preflight', hostId, [...modules].sort().join(',')] as const,
};

export function useModules() {
  const { client } = useApi();
  return useQuery({ queryKey: changeKeys.modules(), queryFn: () => client.change.modules({}), staleTime: Infinity });
}

/** Every fleet task of this core session, newest first; kept current by useChangeSync. */
export function useChangeTasks() {
  const { client } = useApi();
  return useQuery({ queryKey: changeKeys.tasks(), queryFn: () => client.change.tasks({}), staleTime: Infinity });
}

/** Tasks queued, planning or running: the sidebar's indicator. */
export function useActiveTasks(): ChangeTask[] {
  const { data } = useChangeTasks();
  return (data ?? []).filter(isActiveTask);
}

/** A task just started or changed goes into the cache before its first push arrives. */
export function putTasks(queryClient: QueryClient, tasks: ChangeTask[]): void {
  queryClient.setQueryData<ChangeTask[]>(changeKeys.tasks(), (list) => tasks.reduce((acc, t) => upsertTask(acc, t), list ?? []));
}

export function addLogEvent(queryClient: QueryClient, hostId: number, journalId: string, event: JournalEvent): void {
  queryClient.setQueryData<LogEntry[]>(changeKeys.log(hostId), (lines) => appendLog(lines, journalId, event));
}

/** change.onTask and change.onProgress into the cache; a change that ends refreshes what it touched. */
export function useChangeSync(): void {
  const { events } = useApi();
  const queryClient = useQueryClient();
  useEffect(() => {
    const offTask = events.change.onTask((task) => {
      const before = queryClient.getQueryData<ChangeTask[]>(changeKeys.tasks())?.find((t) => t.id === task.id);
      putTasks(queryClient, [task]);
      if (!isActiveTask(task) && (!before || isActiveTask(before))) {
        void queryClient.invalidateQueries({ queryKey: changeKeys.installed(task.hostId) });
        void queryClient.invalidateQueries({ queryKey: changeKeys.journals(task.hostId) });
      }
    });
    const offProgress = events.change.onProgress(({ hostId, journalId, event }) => {
      addLogEvent(queryClient, hostId, journalId, event);
      if (event.type === 'end' || event.type === 'rollback-end' || event.type === 'rollback-failed' || event.type === 'interrupted' || event.type === 'cancelled' || event.type === 'step-failed') {
        void queryClient.invalidateQueries({ queryKey: changeKeys.journals(hostId) });
        void queryClient.invalidateQueries({ queryKey: changeKeys.installed(hostId) });
      }
    });
    return () => {
      offTask();
      offProgress();
    };
  }, [events, queryClient]);
}

/** The live log lines pushed for one host in this session (nothing is fetched). */
export function useChangeLog(hostId: number): LogEntry[] {
  const queryClient = useQueryClient();
  const { data } = useQuery({
    queryKey: changeKeys.log(hostId),
    queryFn: () => queryClient.getQueryData<LogEntry[]>(changeKeys.log(hostId)) ?? [],
    initialData: [] as LogEntry[],
    staleTime: Infinity,
    gcTime: Infinity,
  });
  return data;
}

export function useInstalled(hostId: number, enabled = true) {
  const { client } = useApi();
  return useQuery({ queryKey: changeKeys.installed(hostId), queryFn: () => client.change.installed({ id: hostId }), enabled });
}

/** What each of these hosts has installed (read from the core's store: no SSH). */
export function useInstalledMany(hostIds: readonly number[]) {
  const { client } = useApi();
  return useQueries({
    queries: hostIds.map((id) => ({ queryKey: changeKeys.installed(id), queryFn: () => client.change.installed({ id }) })),
  });
}

/** The host's change journals (read on the host: only while connected). */
export function useJournals(hostId: number, enabled: boolean) {
  const { client } = useApi();
  return useQuery({ queryKey: changeKeys.journals(hostId), queryFn: () => client.change.journals({ id: hostId }), enabled, retry: false, staleTime: 30_000 });
}

/**
 * Preflight per host, one request each: a host that cannot be reached fails on its own card
 * instead of failing the others.
 */
export function usePreflights(hostIds: readonly number[], modules: readonly string[], enabled = true) {
  const { client } = useApi();
  return useQueries({
    queries: hostIds.map((id) => ({
      queryKey: changeKeys.preflight(id, modules),
      queryFn: async (): Promise<Preflight> => (await client.change.preflight({ ids: [id], modules: [...modules] }))[0]!,
      enabled,
      retry: false,
      staleTime: 60_000,
    })),
  });
}
