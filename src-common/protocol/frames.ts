/**
 * Helper protocol framing, Cockpit-style: every frame is
 *
 *   <decimal byte length of the rest>\n<channel>\n<payload>
 *
 * The control channel is the empty string and carries JSON messages; any other channel
 * carries that channel's payload bytes (JSON lines for structured streams, raw bytes for
 * terminals and file transfer). Lengths make the stream self-synchronising and let a reader
 * reject garbage early instead of buffering it.
 */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
const MAX_LENGTH_DIGITS = 9;
const NEWLINE = 0x0a;

export interface Frame {
  channel: string;
  payload: Uint8Array;
}

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export function encodeFrame(channel: string, payload: Uint8Array | string): Uint8Array {
  if (channel.includes('\n')) throw new FrameError('channel names cannot contain newlines');
  const head = encoder.encode(`${channel}\n`);
  const body = typeof payload === 'string' ? encoder.encode(payload) : payload;
  const length = head.length + body.length;
  if (length > MAX_FRAME_BYTES) throw new FrameError(`frame of ${length} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit`);
  const prefix = encoder.encode(`${length}\n`);
  const out = new Uint8Array(prefix.length + length);
  out.set(prefix, 0);
  out.set(head, prefix.length);
  out.set(body, prefix.length + head.length);
  return out;
}

export function encodeControl(message: object): Uint8Array {
  return encodeFrame('', JSON.stringify(message));
}

/**
 * Incremental decoder: push() chunks as they arrive, get whole frames back. Throws FrameError on
 * a malformed stream; after that the stream cannot be trusted and must be closed.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private broken = false;

  push(chunk: Uint8Array): Frame[] {
    if (this.broken) throw new FrameError('stream already failed');
    if (chunk.length) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      const frame = this.next();
      if (!frame) break;
      frames.push(frame);
    }
    return frames;
  }

  private fail(message: string): never {
    this.broken = true;
    throw new FrameError(message);
  }

  private flatten(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const all = new Uint8Array(this.buffered);
    let offset = 0;
    for (const c of this.chunks) {
      all.set(c, offset);
      offset += c.length;
    }
    this.chunks = [all];
    return all;
  }

  /** The first n buffered bytes, copying only those (the length prefix is at most 10 bytes). */
  private peek(n: number): Uint8Array {
    const out = new Uint8Array(Math.min(n, this.buffered));
    let offset = 0;
    for (const c of this.chunks) {
      if (offset >= out.length) break;
      const take = Math.min(c.length, out.length - offset);
      out.set(c.subarray(0, take), offset);
      offset += take;
    }
    return out;
  }

  private next(): Frame | null {
    if (this.buffered === 0) return null;
    const head = this.peek(MAX_LENGTH_DIGITS + 1);
    let lengthEnd = -1;
    for (let i = 0; i < head.length; i++) {
      const b = head[i]!;
      if (b === NEWLINE) {
        lengthEnd = i;
        break;
      }
      if (b < 0x30 || b > 0x39) this.fail(`malformed frame: expected a decimal length, got byte 0x${b.toString(16)}`);
    }
    if (lengthEnd === -1) {
      if (head.length > MAX_LENGTH_DIGITS) this.fail('malformed frame: length prefix too long');
      return null;
    }
    if (lengthEnd === 0) this.fail('malformed frame: empty length');
    const length = Number(decoder.decode(head.subarray(0, lengthEnd)));
    if (length > MAX_FRAME_BYTES) this.fail(`frame of ${length} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit`);
    const start = lengthEnd + 1;
    // Join the chunks only once the whole frame is here: a large frame arriving in many small
    // chunks then costs one copy, not one per chunk.
    if (this.buffered < start + length) return null;
    const data = this.flatten();
    const body = data.subarray(start, start + length);
    const nl = body.indexOf(NEWLINE);
    if (nl === -1) this.fail('malformed frame: missing channel line');
    const frame: Frame = { channel: decoder.decode(body.subarray(0, nl)), payload: body.slice(nl + 1) };
    const rest = data.subarray(start + length);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return frame;
  }
}

export function decodeJson(payload: Uint8Array): unknown {
  const text = decoder.decode(payload);
  try {
    return JSON.parse(text);
  } catch {
    throw new FrameError('malformed frame: control payload is not JSON');
  }
}
