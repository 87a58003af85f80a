/** A minimal typed event bus for pushes to the front ends (state changes, logs). */
export type Listener = (name: string, payload: unknown) => void;

export class EventBus {
  private readonly listeners = new Set<Listener>();
  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(name: string, payload: unknown): void {
    for (const l of this.listeners) {
      try {
        l(name, payload);
      } catch {
        /* one broken subscriber must not stop the others */
      }
    }
  }
}
