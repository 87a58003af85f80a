import { EmptyState } from '../app/ui.js';

export function ReportsPage() {
  return <EmptyState icon="info" title="Coming soon" testId="ReportsPage-stub">Not built yet.</EmptyState>;
}
