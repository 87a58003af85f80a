import { useState } from 'react';
import type { HistorySource } from '../../src-common/monitor/monitor.contract.js';
import { useHistorySources } from './use-monitor.js';

const KEY = (id: number) => `fleetdeck.historySource.${id}`;

/**
 * Where the longer ranges read history from: this laptop's own store (always there), or the
 * fleet's Prometheus when the monitoring module installed one that scrapes this host. The choice
 * is kept per host; with no Prometheus (or when it goes away) it is this laptop.
 */
export function useHistorySource(id: number): { source: HistorySource; set: (s: HistorySource) => void; prometheus: { hostName: string; connected: boolean } | null } {
  const sources = useHistorySources(id);
  const [chosen, setChosen] = useState<HistorySource>(() => (localStorage.getItem(KEY(id)) === 'prometheus' ? 'prometheus' : 'local'));
  const prometheus = sources.data?.prometheus ?? null;
  return {
    source: prometheus ? chosen : 'local',
    prometheus,
    set: (s) => {
      setChosen(s);
      localStorage.setItem(KEY(id), s);
    },
  };
}

export function HistorySourceSwitch({ value, onChange, prometheus }: { value: HistorySource; onChange: (s: HistorySource) => void; prometheus: { hostName: string; connected: boolean } }) {
  return (
    <label className="history-source" data-testid="history-source">
      <span className="muted">History from</span>
      <select className="input select small" value={value} onChange={(e) => onChange(e.target.value as HistorySource)} data-testid="history-source-select">
        <option value="local">this laptop</option>
        <option value="prometheus">
          Prometheus on {prometheus.hostName}
          {prometheus.connected ? '' : ' (not connected)'}
        </option>
      </select>
    </label>
  );
}
