export function TerminalsView({ visible }: { visible: boolean }) {
  return visible ? <div data-testid="terminals-stub">Terminals</div> : null;
}
