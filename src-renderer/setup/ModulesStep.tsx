import type { InstalledModule, ModuleInfo } from '../../src-common/change/modules.contract.js';
import { Icon } from '../app/icons.js';
import { Badge, Notice } from '../app/ui.js';
import { requiredBy } from './wizard-state.js';

/** Text with `code` spans (module notes quote commands that way). */
export function Inline({ text }: { text: string }) {
  const parts = text.split('`');
  return (
    <>
      {parts.map((p, i) =>
        i % 2 ? (
          <code key={i} className="inline-code">
            {p}
          </code>
        ) : (
          p
        ),
      )}
    </>
  );
}

/** Step 2: module cards (what each does, needs and opens); choosing one adds what it needs, saying why. */
export function ModulesStep({
  infos,
  chosen,
  autoAdded,
  note,
  hosts,
  installed,
  onToggle,
}: {
  infos: readonly ModuleInfo[];
  chosen: readonly string[];
  autoAdded: Readonly<Record<string, string>>;
  note: string | null;
  hosts: { id: number; name: string }[];
  installed: (readonly InstalledModule[] | undefined)[];
  onToggle: (id: string, on: boolean) => void;
}) {
  const title = (id: string) => infos.find((m) => m.id === id)?.title ?? id;
  return (
    <div className="setup-modules">
      {note ? (
        <Notice tone="info" testId="module-auto-note">
          {note}
        </Notice>
      ) : null}
      <div className="module-grid" role="group" aria-label="Modules">
        {infos.map((m) => {
          const on = chosen.includes(m.id);
          const needers = requiredBy(m.id, chosen, infos);
          const locked = on && needers.length > 0;
          const installedOn = hosts.filter((_h, i) => installed[i]?.some((x) => x.module === m.id)).map((h) => h.name);
          return (
            <label key={m.id} className={`module-card${on ? ' is-chosen' : ''}${locked ? ' is-locked' : ''}`} data-testid={`module-${m.id}`}>
              <span className="module-card-top">
                <input type="checkbox" checked={on} disabled={locked} onChange={(e) => onToggle(m.id, e.target.checked)} aria-describedby={`module-${m.id}-summary`} />
                <span className="module-card-title">{m.title}</span>
                {installedOn.length ? (
                  <Badge tone="ok" title={`Installed on ${installedOn.join(', ')}`}>
                    installed{hosts.length > 1 ? ` on ${installedOn.length}/${hosts.length}` : ''}
                  </Badge>
                ) : null}
              </span>
              {m.summary ? (
                <span className="module-card-summary" id={`module-${m.id}-summary`}>
                  {m.summary}
                </span>
              ) : null}
              {m.needs.length ? (
                <span className="module-card-needs">
                  <Icon name="layers" size={13} /> Needs {m.needs.map(title).join(', ')}
                  {on ? '' : ' (added with it)'}
                </span>
              ) : null}
              {m.notes.length ? (
                <ul className="module-card-notes">
                  {m.notes.map((n) => (
                    <li key={n}>
                      <Inline text={n} />
                    </li>
                  ))}
                </ul>
              ) : null}
              {on && autoAdded[m.id] ? <span className="module-card-why">Added because {title(autoAdded[m.id]!)} needs it.</span> : null}
              {locked ? <span className="module-card-why">Required by {needers.map(title).join(', ')}: unchoose that first.</span> : null}
            </label>
          );
        })}
      </div>
    </div>
  );
}
