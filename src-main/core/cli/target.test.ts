import { describe, expect, it } from 'vitest';
import { hostFromTarget } from './target.js';

/** The CLI's ad-hoc targets: USER@HOST[:PORT] as its help says, and -p agreeing. */
describe('hostFromTarget', () => {
  it('takes the port from HOST:PORT, else from -p, else 22', () => {
    expect(hostFromTarget('admin@127.0.0.1:2222', { identity: '/k' })).toMatchObject({ address: '127.0.0.1', port: 2222, user: 'admin' });
    expect(hostFromTarget('admin@gpu-1.lab', { port: '2022', identity: '/k' } as never)).toMatchObject({ address: 'gpu-1.lab', port: 2022 });
    expect(hostFromTarget('admin@gpu-1.lab', { identity: '/k' })).toMatchObject({ port: 22 });
    expect(() => hostFromTarget('admin@gpu-1.lab:2222', { port: '22', identity: '/k' } as never)).toThrow(/names port 2222 and --port 22: give one of them/);
  });
});
