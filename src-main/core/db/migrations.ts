/**
 * Numbered migrations, applied in order inside one transaction each. Never edit a shipped
 * migration: add the next number.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'hosts and host keys',
    sql: `
      CREATE TABLE hosts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        address TEXT NOT NULL,
        port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
        user TEXT NOT NULL,
        auth TEXT NOT NULL CHECK (auth IN ('key','agent','password','keyboard-interactive')),
        key_path TEXT,
        jump_json TEXT NOT NULL DEFAULT '[]',
        tags_json TEXT NOT NULL DEFAULT '[]',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      -- Keys the user accepted in Fleetdeck (known_hosts files are read, never written).
      CREATE TABLE trusted_host_keys (
        host_name TEXT NOT NULL,
        key_type TEXT NOT NULL,
        key_b64 TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        added_at INTEGER NOT NULL,
        PRIMARY KEY (host_name, key_type)
      );
      -- Only references: the secret itself lives in the OS keychain (Electron safeStorage).
      CREATE TABLE credential_refs (
        host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('password','passphrase','sudo-password')),
        encrypted BLOB NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (host_id, kind)
      );
      CREATE TABLE host_facts (
        host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
        probe_json TEXT,
        inventory_json TEXT,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'audit events',
    sql: `
      CREATE TABLE audit_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        host_id INTEGER,
        host_name TEXT,
        operation TEXT NOT NULL,
        summary TEXT NOT NULL,
        result TEXT NOT NULL CHECK (result IN ('ok','failed')),
        problem TEXT
      );
      CREATE INDEX audit_events_at ON audit_events(at);
    `,
  },
];
