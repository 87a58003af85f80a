import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameError, MAX_FRAME_BYTES, encodeControl, encodeFrame } from './frames.js';

const text = (u: Uint8Array) => new TextDecoder().decode(u);

describe('frames', () => {
  it('round-trips frames split at every byte boundary', () => {
    const bytes = new Uint8Array([...encodeControl({ command: 'ping', seq: 1 }), ...encodeFrame('c1', 'héllo\nworld'), ...encodeFrame('c2', new Uint8Array(0))]);
    for (let split = 0; split <= bytes.length; split++) {
      const d = new FrameDecoder();
      const frames = [...d.push(bytes.subarray(0, split)), ...d.push(bytes.subarray(split))];
      expect(frames.map((f) => [f.channel, text(f.payload)])).toEqual([
        ['', '{"command":"ping","seq":1}'],
        ['c1', 'héllo\nworld'],
        ['c2', ''],
      ]);
    }
  });

  it.each([
    ['letters instead of a length', 'abc\n'],
    ['an empty length', '\n\n'],
    ['a negative length', '-5\nxx'],
    ['a length prefix that never ends', '1234567890123'],
  ])('rejects %s', (_label, input) => {
    const d = new FrameDecoder();
    expect(() => d.push(new TextEncoder().encode(input))).toThrow(FrameError);
  });

  it('rejects a frame without a channel line', () => {
    expect(() => new FrameDecoder().push(new TextEncoder().encode('3\nabc'))).toThrow(/channel/);
  });

  it('rejects frames over the size limit before buffering them', () => {
    expect(() => new FrameDecoder().push(new TextEncoder().encode(`${MAX_FRAME_BYTES + 1}\n`))).toThrow(/limit/);
    expect(() => encodeFrame('c', new Uint8Array(MAX_FRAME_BYTES))).toThrow(/limit/);
  });
});
