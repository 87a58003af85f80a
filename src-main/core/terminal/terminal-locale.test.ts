import { describe, expect, it } from 'vitest';
import { terminalLocaleEnv } from './terminal-locale.js';

describe('terminalLocaleEnv: the locale a terminal asks the server for', () => {
  it('passes on a UTF-8 LANG and LC_* like OpenSSH SendEnv', () => {
    expect(terminalLocaleEnv({ LANG: 'de_DE.UTF-8', LC_TIME: 'en_GB.UTF-8', PATH: '/bin', HOME: '/root' })).toEqual({ LANG: 'de_DE.UTF-8', LC_TIME: 'en_GB.UTF-8' });
  });
  it('falls back to C.UTF-8 when this machine has no locale, or a non-UTF-8 one', () => {
    expect(terminalLocaleEnv({})).toEqual({ LANG: 'C.UTF-8' });
    expect(terminalLocaleEnv({ LANG: 'C' })).toEqual({ LANG: 'C.UTF-8' });
    expect(terminalLocaleEnv({ LANG: 'en_US.ISO-8859-1', LC_ALL: 'POSIX' })).toEqual({ LANG: 'C.UTF-8' });
    expect(terminalLocaleEnv({ LANG: 'en_US.utf8', LC_CTYPE: 'C' })).toEqual({ LANG: 'en_US.utf8' });
  });
  it('sends nothing odd a hostile environment could carry', () => {
    expect(terminalLocaleEnv({ LANG: 'x;rm -rf /', LC_MESSAGES: 'a\nb', LC_PAPER: 'a'.repeat(100) })).toEqual({ LANG: 'C.UTF-8' });
  });
});
