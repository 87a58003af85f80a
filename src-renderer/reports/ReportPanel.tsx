import type { ReactNode } from 'react';
import { Icon, type IconName } from '../app/icons.js';

/** One section of a report preview: a titled panel, with an optional note and something on the right (a legend). */
export function ReportPanel({ testId, icon, title, sub, subTestId, aside, children }: { testId: string; icon?: IconName; title: string; sub?: ReactNode; subTestId?: string; aside?: ReactNode; children: ReactNode }) {
  const heading = (
    <h2 className="panel-title">
      {icon ? <Icon name={icon} size={16} /> : null}
      {title}
      {sub ? (
        <>
          {' '}
          <span className="panel-sub" data-testid={subTestId}>
            {sub}
          </span>
        </>
      ) : null}
    </h2>
  );
  return (
    <section className="panel" data-testid={testId}>
      {aside ? (
        <div className="panel-title-row">
          {heading}
          {aside}
        </div>
      ) : (
        heading
      )}
      {children}
    </section>
  );
}
