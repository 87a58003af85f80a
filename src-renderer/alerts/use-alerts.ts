import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { Alert, AlertRule, AlertRuleInput } from '../../src-common/alerts/alert.schema.js';
import { useApi } from '../api/api-context.js';
import { activeCount, applyAlertChange } from './alert-cache.js';

export const alertKeys = {
  all: ['alerts'] as const,
  list: () => ['alerts', 'list'] as const,
  rules: () => ['alerts', 'rules'] as const,
};

export function useAlerts() {
  const { client } = useApi();
  return useQuery({ queryKey: alertKeys.list(), queryFn: () => client.alerts.list({}), staleTime: Infinity });
}

/** Active alerts, for the sidebar badge (same cache as the list). */
export function useActiveAlertCount(): number {
  const { data } = useAlerts();
  return activeCount(data);
}

/** alerts.onChange pushes go straight into the cache: no polling. */
export function useAlertSync(): void {
  const { events } = useApi();
  const queryClient = useQueryClient();
  useEffect(
    () =>
      events.alerts.onChange(({ change, alert }) => {
        queryClient.setQueryData<Alert[]>(alertKeys.list(), (list) => applyAlertChange(list, change, alert));
      }),
    [events, queryClient],
  );
}

export function useAcknowledgeAlert() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => client.alerts.acknowledge({ id }),
    onSuccess: (alert) => queryClient.setQueryData<Alert[]>(alertKeys.list(), (list) => applyAlertChange(list, 'acknowledged', alert)),
  });
}

export function useAlertRules() {
  const { client } = useApi();
  return useQuery({ queryKey: alertKeys.rules(), queryFn: () => client.alerts.rules({}) });
}

export function useSaveRule() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (rule: AlertRuleInput) => client.alerts.saveRule(rule),
    onSuccess: (rule) =>
      queryClient.setQueryData<AlertRule[]>(alertKeys.rules(), (list) => {
        if (!list) return list;
        return list.some((r) => r.id === rule.id) ? list.map((r) => (r.id === rule.id ? rule : r)) : [...list, rule];
      }),
  });
}

export function useDeleteRule() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => client.alerts.deleteRule({ id }),
    onSuccess: (_r, id) => queryClient.setQueryData<AlertRule[]>(alertKeys.rules(), (list) => list?.filter((r) => r.id !== id)),
  });
}
