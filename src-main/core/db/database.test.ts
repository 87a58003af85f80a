import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase, schemaVersion } from './database.js';
import { MIGRATIONS } from './migrations.js';

describe('database', () => {
  it('applies every migration once, in WAL mode', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'fd-db-')), 'sub/fleetdeck.sqlite');
    const db = openDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
    expect(migrate(db)).toBe(0);
    db.close();
    const again = openDatabase(file);
    expect(schemaVersion(again)).toBe(MIGRATIONS.at(-1)!.version);
    again.close();
  });
});
