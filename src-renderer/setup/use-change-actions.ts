import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ChangePlan } from '../../src-common/change/modules.contract.js';
import { useApi } from '../api/api-context.js';
import { changeKeys, putTasks } from './use-change.js';

/** The change engine's actions; each refreshes what it touched. */

export function useCancelTask() {
  const { client } = useApi();
  return useMutation({ mutationFn: (taskId: string) => client.change.cancelTask({ taskId }) });
}

export function useRetryTask() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: (taskId: string) => client.change.retryTask({ taskId }), onSuccess: (task) => putTasks(queryClient, [task]) });
}

/** Starts one task per host, each applying the plan that host's user reviewed. */
export function useStartTasks() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (items: { plan: ChangePlan; modules: { id: string; settings: Record<string, unknown> }[] }[]) =>
      client.change.startTasks({ items: items.map((i) => ({ id: i.plan.hostId, modules: i.modules, planId: i.plan.planId, tag: i.plan.tag })), concurrency: 4 }),
    onSuccess: (tasks) => putTasks(queryClient, tasks),
  });
}

function useRefreshHost() {
  const queryClient = useQueryClient();
  return (hostId: number) => {
    void queryClient.invalidateQueries({ queryKey: changeKeys.installed(hostId) });
    void queryClient.invalidateQueries({ queryKey: changeKeys.journals(hostId) });
  };
}

export function useRollback() {
  const { client } = useApi();
  const refresh = useRefreshHost();
  return useMutation({ mutationFn: (p: { hostId: number; journalId: string }) => client.change.rollback({ id: p.hostId, journalId: p.journalId }), onSettled: (_r, _e, p) => refresh(p.hostId) });
}

export function useResume() {
  const { client } = useApi();
  const refresh = useRefreshHost();
  return useMutation({ mutationFn: (p: { hostId: number; journalId: string }) => client.change.resume({ id: p.hostId, journalId: p.journalId }), onSettled: (_r, _e, p) => refresh(p.hostId) });
}

export function useVerify() {
  const { client } = useApi();
  const refresh = useRefreshHost();
  return useMutation({ mutationFn: (hostId: number) => client.change.verify({ id: hostId }), onSettled: (_r, _e, hostId) => refresh(hostId) });
}

export function useDrift() {
  const { client } = useApi();
  return useMutation({ mutationFn: (hostId: number) => client.change.drift({ id: hostId }) });
}

/** Plans the installed modules again with their stored settings (Re-apply): shown before it is applied. */
export function useReplan() {
  const { client } = useApi();
  return useMutation({ mutationFn: (p: { hostId: number; modules: { id: string; settings: Record<string, unknown> }[] }) => client.change.plan({ id: p.hostId, modules: p.modules }) });
}
