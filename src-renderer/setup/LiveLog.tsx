import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { PlanStep } from '../../src-common/change/plan.schema.js';
import { Icon } from '../app/icons.js';
import { describeLogEntry, LOG_LIMIT } from './change-format.js';
import { useChangeLog } from './use-change.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/**
 * A host's live change log (apt's and systemctl's output, each step's start and end): it follows
 * the newest line, stops following when scrolled up, and "Jump to latest" follows again. Shows
 * one journal's lines when given, else the host's whole session log.
 */
export function LiveLog({ hostId, journalId, steps, testId, emptyText }: { hostId: number; journalId?: string | null; steps?: readonly PlanStep[]; testId?: string; emptyText?: string }) {
  const all = useChangeLog(hostId);
  const lines = journalId ? all.filter((l) => l.journalId === journalId) : all;
  const box = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  const last = lines[lines.length - 1]?.seq ?? 0;

  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [last, follow]);

  // Lines rewrap when the box changes width (a window resized): keep the newest in view.
  useEffect(() => {
    const el = box.current;
    if (!el || !follow || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      el.scrollTop = el.scrollHeight;
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [follow]);

  return (
    <div className="live-log" data-testid={testId}>
      <div
        ref={box}
        className="live-log-body"
        role="log"
        aria-live="off"
        aria-label="Live log"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          if (atBottom !== follow) setFollow(atBottom);
        }}
      >
        {lines.length === 0 ? (
          <div className="live-log-empty">{emptyText ?? 'Waiting for the host’s output…'}</div>
        ) : (
          lines.map((l) => {
            const d = describeLogEntry(l, steps);
            return (
              <div key={l.seq} className={`live-log-line log-${d.tone}`}>
                <span className="live-log-time">{timeFormat.format(l.t)}</span>
                <span className="live-log-text">{d.text}</span>
              </div>
            );
          })
        )}
      </div>
      <div className="live-log-foot">
        <span className="muted small-text">{lines.length >= LOG_LIMIT ? `Showing the last ${LOG_LIMIT} lines` : `${lines.length} ${lines.length === 1 ? 'line' : 'lines'}`}</span>
        {!follow ? (
          <button type="button" className="button ghost small" onClick={() => setFollow(true)} data-testid={testId ? `${testId}-follow` : undefined}>
            <Icon name="chevronDown" size={14} />
            Paused — jump to latest
          </button>
        ) : null}
      </div>
    </div>
  );
}
