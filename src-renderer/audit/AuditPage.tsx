import { EmptyState } from '../app/ui.js';

export function AuditPage() {
  return <EmptyState icon="info" title="Coming soon" testId="AuditPage-stub">Not built yet.</EmptyState>;
}
