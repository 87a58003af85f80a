import { FleetdeckError } from '../../../src-common/problems.js';

/**
 * Splits a byte stream into text lines. Channel data arrives in chunks cut anywhere: inside a
 * line, or inside a multi-byte UTF-8 character (a process named "тест"), so both the text
 * decoder and the line buffer carry over between chunks.
 */
export class JsonLineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private partial = '';

  /** @param maxLineChars a line longer than this is a broken sender, not a big sample */
  constructor(private readonly maxLineChars = 4 * 1024 * 1024) {}

  /** The complete lines in this chunk (without their newline, blank ones skipped). */
  push(chunk: Uint8Array): string[] {
    const text = this.partial + this.decoder.decode(chunk, { stream: true });
    const parts = text.split('\n');
    this.partial = parts.pop()!;
    if (this.partial.length > this.maxLineChars) {
      this.partial = '';
      throw new FleetdeckError('protocol-error', `The metrics stream sent a line longer than ${this.maxLineChars} characters.`);
    }
    return parts.filter((l) => l.trim() !== '');
  }
}
