/**
 * Output for terminal ids this window does not know yet: an open() whose answer is still on its
 * way (its first output may arrive first), or another window's terminal (never claimed, never
 * acked here). Bounded: the oldest terminal's chunks are dropped past the limit.
 */
export class EarlyOutput {
  private readonly chunks = new Map<string, { data: string; bytes: number }[]>();
  private bytes = 0;

  constructor(private readonly limitBytes = 4 * 1024 * 1024) {}

  push(terminalId: string, data: string, bytes: number): void {
    const list = this.chunks.get(terminalId) ?? [];
    list.push({ data, bytes });
    this.chunks.set(terminalId, list);
    this.bytes += bytes;
    while (this.bytes > this.limitBytes && this.chunks.size) {
      const [oldest] = this.chunks.keys();
      this.drop(oldest!);
    }
  }

  /** The chunks kept for a terminal, in arrival order; forgotten here. */
  take(terminalId: string): { data: string; bytes: number }[] {
    const list = this.chunks.get(terminalId) ?? [];
    this.drop(terminalId);
    return list;
  }

  private drop(terminalId: string): void {
    for (const c of this.chunks.get(terminalId) ?? []) this.bytes -= c.bytes;
    this.chunks.delete(terminalId);
  }
}
