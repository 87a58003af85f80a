import { alertsContract, alertsEvents } from './alerts/alerts.contract.js';
import { auditContract, auditEvents } from './audit/audit.contract.js';
import { changeContract, changeEvents } from './change/modules.contract.js';
import { footprintContract } from './footprint/footprint.contract.js';
import type { AnyEvent, AnyRequest, ClientOf, SubscribersOf } from './contract.js';
import { hostsContract, hostsEvents } from './hosts/hosts.contract.js';
import { inventoryContract } from './inventory/inventory.contract.js';
import { monitorContract, monitorEvents } from './monitor/monitor.contract.js';
import { processesContract } from './processes/processes.contract.js';
import { reportsContract } from './reports/report.contract.js';
import { terminalsContract, terminalsEvents } from './terminal/terminal.contract.js';
import { usersContract } from './modules/users-contract.js';

/** The whole app API, grouped by capability. Every transport and client is derived from this. */
export const api = {
  alerts: alertsContract,
  audit: auditContract,
  change: changeContract,
  footprint: footprintContract,
  hosts: hostsContract,
  inventory: inventoryContract,
  monitor: monitorContract,
  processes: processesContract,
  reports: reportsContract,
  terminals: terminalsContract,
  users: usersContract,
} as const;

export const apiEvents = {
  alerts: alertsEvents,
  audit: auditEvents,
  change: changeEvents,
  hosts: hostsEvents,
  monitor: monitorEvents,
  terminals: terminalsEvents,
} as const;

export type Api = typeof api;
export type ApiEvents = typeof apiEvents;

export type ApiClient = { [G in keyof Api]: ClientOf<Api[G]> };
export type ApiSubscribers = { [G in keyof ApiEvents]: SubscribersOf<ApiEvents[G]> };

/** Every request, flattened: "hosts.list" → def. */
export function allRequests(): Map<string, AnyRequest> {
  const map = new Map<string, AnyRequest>();
  for (const group of Object.values(api)) {
    for (const def of Object.values(group)) map.set(def.method, def as AnyRequest);
  }
  return map;
}

export function allEvents(): Map<string, AnyEvent> {
  const map = new Map<string, AnyEvent>();
  for (const group of Object.values(apiEvents)) {
    for (const def of Object.values(group)) map.set(def.name, def as AnyEvent);
  }
  return map;
}

/** Builds a typed client from one generic call function (used by the preload bridge and the WebSocket client). */
export function buildClient(call: (method: string, params: unknown) => Promise<unknown>): ApiClient {
  const client: Record<string, Record<string, (p: unknown) => Promise<unknown>>> = {};
  for (const [groupName, group] of Object.entries(api)) {
    const g: Record<string, (p: unknown) => Promise<unknown>> = {};
    for (const [name, def] of Object.entries(group)) g[name] = (params: unknown) => call((def as AnyRequest).method, params ?? {});
    client[groupName] = g;
  }
  return client as unknown as ApiClient;
}

export function buildSubscribers(subscribe: (name: string, listener: (payload: unknown) => void) => () => void): ApiSubscribers {
  const subs: Record<string, Record<string, (l: (p: unknown) => void) => () => void>> = {};
  for (const [groupName, group] of Object.entries(apiEvents)) {
    const g: Record<string, (l: (p: unknown) => void) => () => void> = {};
    for (const [name, def] of Object.entries(group)) g[name] = (listener) => subscribe((def as AnyEvent).name, listener);
    subs[groupName] = g;
  }
  return subs as unknown as ApiSubscribers;
}
