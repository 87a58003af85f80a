import type { ReactNode, RefObject } from 'react';
import { formatPercent, usageLevel } from '../format.js';
import type { StateTone } from '../hosts/connection-state.js';
import { Icon, type IconName } from './icons.js';

/** Small presentational pieces shared by every page. Host data passed in is rendered as text. */

export function StatusDot({ tone, label }: { tone: StateTone; label?: string }) {
  return <span className={`status-dot status-${tone}`} role={label ? 'img' : undefined} aria-label={label} aria-hidden={label ? undefined : true} />;
}

/** A 0–100 bar. Graded bars turn amber/red when nearly full (memory, disks); plain ones do not (utilization). */
export function UsageBar({ percent, label, size = 'medium', testId, graded = true }: { percent: number | null; label?: string; size?: 'small' | 'medium'; testId?: string; graded?: boolean }) {
  const level = graded ? usageLevel(percent) : 'plain';
  const width = percent === null ? 0 : Math.max(percent, percent > 0 ? 1.5 : 0);
  return (
    <div
      className={`usage-bar usage-${size} usage-${level}`}
      role="meter"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent === null ? undefined : Math.round(percent)}
      aria-label={label}
      data-testid={testId}
    >
      <div className="usage-fill" style={{ width: `${width}%` }} />
    </div>
  );
}

/** A labelled bar with the value on the right: "Memory   12 GiB / 64 GiB". */
export function Meter({ icon, label, value, percent, testId, sub, graded }: { icon?: IconName; label: string; value: string; percent: number | null; testId?: string; sub?: ReactNode; graded?: boolean }) {
  return (
    <div className="meter" data-testid={testId}>
      <div className="meter-head">
        <span className="meter-label">
          {icon ? <Icon name={icon} size={14} /> : null}
          {label}
        </span>
        <span className="meter-value">
          {value}
          {percent !== null ? <span className="meter-percent">{formatPercent(percent)}</span> : null}
        </span>
      </div>
      <UsageBar percent={percent} label={label} graded={graded} />
      {sub ? <div className="meter-sub">{sub}</div> : null}
    </div>
  );
}

export function EmptyState({ icon, title, children, actions, testId }: { icon: IconName; title: string; children?: ReactNode; actions?: ReactNode; testId?: string }) {
  return (
    <div className="empty-state" data-testid={testId}>
      <div className="empty-icon">
        <Icon name={icon} size={28} />
      </div>
      <h2 className="empty-title">{title}</h2>
      {children ? <div className="empty-text">{children}</div> : null}
      {actions ? <div className="empty-actions">{actions}</div> : null}
    </div>
  );
}

export function ErrorState({ title, message, onRetry, testId, retrying }: { title: string; message: string; onRetry?: () => void; testId?: string; retrying?: boolean }) {
  return (
    <div className="error-state" role="alert" data-testid={testId}>
      <Icon name="alert" size={20} className="error-state-icon" />
      <div className="error-state-text">
        <div className="error-state-title">{title}</div>
        <div className="error-state-message">{message}</div>
      </div>
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry} disabled={retrying} data-testid={testId ? `${testId}-retry` : undefined}>
          <Icon name="refresh" size={14} className={retrying ? 'spin' : undefined} />
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function Notice({ tone = 'warning', children, testId }: { tone?: 'warning' | 'error' | 'info'; children: ReactNode; testId?: string }) {
  return (
    <div className={`notice notice-${tone}`} role={tone === 'error' ? 'alert' : 'note'} data-testid={testId}>
      <Icon name={tone === 'info' ? 'info' : 'alert'} size={16} className="notice-icon" />
      <div className="notice-text">{children}</div>
    </div>
  );
}

export function Skeleton({ className }: { className?: string }) {
  return <span className={className ? `skeleton ${className}` : 'skeleton'} aria-hidden="true" />;
}

export function Spinner({ size = 14 }: { size?: number }) {
  return <Icon name="refresh" size={size} className="spin" />;
}

export function Kbd({ children }: { children: ReactNode }) {
  return <kbd className="kbd">{children}</kbd>;
}

export function Badge({ tone = 'neutral', children, testId, title }: { tone?: 'neutral' | 'ok' | 'warn' | 'error' | 'accent' | 'busy'; children: ReactNode; testId?: string; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} data-testid={testId} title={title}>
      {children}
    </span>
  );
}

export function TagList({ tags, limit }: { tags: string[]; limit?: number }) {
  if (tags.length === 0) return null;
  const shown = limit === undefined ? tags : tags.slice(0, limit);
  const rest = tags.length - shown.length;
  return (
    <ul className="tag-list" aria-label="Tags">
      {shown.map((t) => (
        <li key={t} className="tag">
          {t}
        </li>
      ))}
      {rest > 0 ? (
        <li className="tag tag-more" title={tags.slice(shown.length).join(', ')}>
          +{rest}
        </li>
      ) : null}
    </ul>
  );
}

/** A page's search box: "/" focuses it (the hint shows while empty), Esc clears and leaves it. */
export function SearchField({
  inputRef,
  value,
  onChange,
  onEnter,
  placeholder,
  label,
  testId,
  maxLength,
  className,
}: {
  inputRef?: RefObject<HTMLInputElement | null>;
  value: string;
  onChange: (value: string) => void;
  onEnter?: () => void;
  placeholder: string;
  label: string;
  testId?: string;
  maxLength?: number;
  className?: string;
}) {
  return (
    <label className={`search-field${className ? ` ${className}` : ''}`}>
      <Icon name="search" size={15} />
      <input
        ref={inputRef}
        type="search"
        className="search-input"
        placeholder={placeholder}
        aria-label={label}
        value={value}
        maxLength={maxLength}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onChange('');
            e.currentTarget.blur();
          } else if (e.key === 'Enter') onEnter?.();
        }}
        data-testid={testId}
      />
      {value ? null : <Kbd>/</Kbd>}
    </label>
  );
}

/** Short values as chips (groups, controllers, names): one list item each. */
export function ChipList({ items, mono = false, label, testId }: { items: readonly string[]; mono?: boolean; label?: string; testId?: string }) {
  return (
    <ul className="chip-list" aria-label={label} data-testid={testId}>
      {items.map((i) => (
        <li key={i} className={mono ? 'chip mono' : 'chip'}>
          {i}
        </li>
      ))}
    </ul>
  );
}
