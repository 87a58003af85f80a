/**
 * Acknowledges rendered terminal output to the core in batches: one ack per threshold bytes, or
 * after a short delay for the tail. The core pauses the SSH channel while more than its high
 * watermark is unacknowledged, so acks must follow what xterm has actually rendered (its write
 * callback), not what arrived.
 */
export class AckBatcher {
  private pending = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (bytes: number) => void,
    private readonly opts: { threshold: number; delayMs: number } = { threshold: 64 * 1024, delayMs: 15 },
  ) {}

  rendered(bytes: number): void {
    if (bytes <= 0) return;
    this.pending += bytes;
    if (this.pending >= this.opts.threshold) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.opts.delayMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending) return;
    const n = this.pending;
    this.pending = 0;
    this.send(n);
  }

  /** Forget what is pending (the terminal is gone). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = 0;
  }
}
