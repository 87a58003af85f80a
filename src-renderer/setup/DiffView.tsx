import { diffLines, diffStat } from './change-format.js';

/**
 * A unified diff: added lines green, removed red, hunks muted, monospace. Long lines wrap inside
 * the box and a long diff scrolls inside it: the page itself never grows sideways.
 */
export function DiffView({ diff, label, testId }: { diff: string; label: string; testId?: string }) {
  const lines = diffLines(diff);
  const stat = diffStat(diff);
  return (
    <div className="diff" data-testid={testId}>
      <div className="diff-head">
        <span className="diff-label truncate" title={label}>
          {label}
        </span>
        <span className="diff-stat">
          <span className="diff-stat-add">+{stat.added}</span> <span className="diff-stat-del">−{stat.removed}</span>
        </span>
      </div>
      <div className="diff-body" role="region" aria-label={`Changes to ${label}`} tabIndex={0}>
        {lines.map((l, i) => (
          <div key={i} className={`diff-line diff-${l.kind}`}>
            {l.text || ' '}
          </div>
        ))}
      </div>
    </div>
  );
}

/** Before and after side by side (packages, units, commands), each wrapping in its own box. */
export function BeforeAfter({ before, after, testId }: { before: string | null; after: string | null; testId?: string }) {
  return (
    <div className="before-after" data-testid={testId}>
      <div className="before-after-col">
        <div className="before-after-label">Before</div>
        <pre className="before-after-text">{before ?? '(nothing)'}</pre>
      </div>
      <div className="before-after-col">
        <div className="before-after-label">After</div>
        <pre className="before-after-text">{after ?? '(nothing)'}</pre>
      </div>
    </div>
  );
}
