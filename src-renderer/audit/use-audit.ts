import { useInfiniteQuery, useQuery, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { AuditEvent, AuditFacets, AuditPage } from '../../src-common/audit/audit.contract.js';
import { useApi } from '../api/api-context.js';
import { filtersToHash, matchesFilters, mergeFacets, toAuditQuery, type AuditFilters } from './audit-filters.js';

export const auditKeys = {
  all: ['audit'] as const,
  list: (filters: AuditFilters) => ['audit', 'list', filtersToHash(filters)] as const,
  facets: () => ['audit', 'facets'] as const,
};

export const AUDIT_PAGE_SIZE = 100;

export function useAuditFacets() {
  const { client } = useApi();
  return useQuery({ queryKey: auditKeys.facets(), queryFn: () => client.audit.facets({}) });
}

/** Newest first, a page at a time ("Load more" asks for the events before the last one shown). */
export function useAuditEvents(filters: AuditFilters, enabled: boolean) {
  const { client } = useApi();
  return useInfiniteQuery({
    queryKey: auditKeys.list(filters),
    queryFn: ({ pageParam }) => client.audit.list({ ...toAuditQuery(filters, Date.now()), limit: AUDIT_PAGE_SIZE, ...(pageParam ? { before: pageParam } : {}) }),
    initialPageParam: 0,
    getNextPageParam: (last: AuditPage) => (last.hasMore ? last.events[last.events.length - 1]?.id : undefined),
    enabled,
    refetchOnWindowFocus: false,
  });
}

/** Prepends an event to the first page unless it is already there (a refetch may have brought it). */
export function prependEvent(data: InfiniteData<AuditPage, number> | undefined, e: AuditEvent): InfiniteData<AuditPage, number> | undefined {
  if (!data || data.pages.length === 0) return data;
  if (data.pages.some((p) => p.events.some((x) => x.id === e.id))) return data;
  const [first, ...rest] = data.pages;
  return { ...data, pages: [{ ...first!, events: [e, ...first!.events] }, ...rest] };
}

/**
 * audit.onRecorded pushes: events the current filters match are prepended to the list (their ids
 * come back as `fresh`, for a short highlight); the filter choices learn new values.
 */
export function useLiveAudit(filters: AuditFilters, enabled: boolean): ReadonlySet<number> {
  const { events } = useApi();
  const queryClient = useQueryClient();
  const [fresh, setFresh] = useState<ReadonlySet<number>>(() => new Set());
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  useEffect(() => {
    if (!enabled) return undefined;
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const off = events.audit.onRecorded((e) => {
      queryClient.setQueryData<AuditFacets>(auditKeys.facets(), (f) => mergeFacets(f, e));
      const f = filtersRef.current;
      if (!matchesFilters(e, f, Date.now())) return;
      queryClient.setQueryData<InfiniteData<AuditPage, number>>(auditKeys.list(f), (data) => prependEvent(data, e));
      setFresh((s) => new Set(s).add(e.id));
      const timer = setTimeout(() => {
        timers.delete(timer);
        setFresh((s) => {
          const next = new Set(s);
          next.delete(e.id);
          return next;
        });
      }, 4_000);
      timers.add(timer);
    });
    return () => {
      off();
      for (const t of timers) clearTimeout(t);
    };
  }, [events, queryClient, enabled]);
  return fresh;
}
