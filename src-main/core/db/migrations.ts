/**
 * Numbered migrations, applied in order inside one transaction each. Never edit a shipped
 * migration: add the next number.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Columns of the rollup tables, in the order of the SERIES they summarise. */
const ROLLUP_COLUMNS = ['cpu', 'mem', 'load1', 'net_rx', 'net_tx', 'disk_read', 'disk_write', 'gpu_util', 'gpu_mem', 'gpu_temp'];

/** A rollup table (1-minute and 1-hour share one shape): min/avg/max and non-null count per series. */
function rollupTable(name: string): string {
  return [
    `      CREATE TABLE ${name} (`,
    '        host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,',
    '        t INTEGER NOT NULL,',
    '        samples INTEGER NOT NULL,',
    ...ROLLUP_COLUMNS.map((c) => `        ${c}_min REAL, ${c}_avg REAL, ${c}_max REAL, ${c}_n INTEGER NOT NULL DEFAULT 0,`),
    '        PRIMARY KEY (host_id, t)',
    '      ) WITHOUT ROWID;',
  ].join('\n');
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
  {
    version: 3,
    name: 'metric samples, rollups, per-user usage, last seen',
    // Times are Unix epoch milliseconds; a rollup row's t is the start of its minute or hour.
    // Rollups keep per-series n (non-null values) so averages merge exactly when a late batch
    // for the same minute arrives, and so a series that was briefly unknown (GPU driver hiccup)
    // does not drag the average towards 0.
    sql: `
      CREATE TABLE metric_raw (
        host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        t INTEGER NOT NULL,
        cpu REAL, mem REAL, load1 REAL, net_rx REAL, net_tx REAL,
        disk_read REAL, disk_write REAL, gpu_util REAL, gpu_mem REAL, gpu_temp REAL,
        PRIMARY KEY (host_id, t)
      ) WITHOUT ROWID;
      -- Rollups: min/avg/max and count of non-null values per series, plus the bucket's sample count.
${rollupTable('metric_1m')}
${rollupTable('metric_1h')}
      -- Per user and minute, for usage reports. Averages are over the sampled time in which the
      -- user had processes (seconds), so CPU-hours = sum(cpu_avg / 100 * seconds) / 3600 and
      -- GPU-hours = sum(gpu_seconds) / 3600. gpus_touched is a bitmask of GPU indices.
      CREATE TABLE usage_1m (
        host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        minute INTEGER NOT NULL,
        user TEXT NOT NULL,
        samples INTEGER NOT NULL,
        seconds REAL NOT NULL,
        cpu_avg REAL NOT NULL,
        mem_avg_bytes REAL NOT NULL,
        gpu_mem_avg_bytes REAL NOT NULL,
        gpus_touched INTEGER NOT NULL,
        gpu_seconds REAL NOT NULL,
        PRIMARY KEY (host_id, minute, user)
      ) WITHOUT ROWID;
      -- Last sample received per host, kept past raw retention so offline hosts show "last seen".
      CREATE TABLE monitor_last_seen (
        host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
        seen_at INTEGER NOT NULL,
        sample_t INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'alert rules and alerts',
    // Thresholds are in the kind's unit (°C, %, GiB); host-down ignores its threshold. Seeded
    // with defaults; users edit or delete them. Alerts outlive their rule (rule_id set to NULL).
    sql: `
      CREATE TABLE alert_rules (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('gpu-temp','disk-usage','memory-pressure','host-down','gpu-idle-memory')),
        threshold REAL NOT NULL CHECK (threshold > 0),
        for_seconds INTEGER NOT NULL CHECK (for_seconds >= 0),
        scope_type TEXT NOT NULL CHECK (scope_type IN ('all','host','tag')),
        scope_host_id INTEGER REFERENCES hosts(id) ON DELETE CASCADE,
        scope_tag TEXT,
        enabled INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      INSERT INTO alert_rules (kind, threshold, for_seconds, scope_type, created_at, updated_at) VALUES
        ('gpu-temp', 85, 60, 'all', 0, 0),
        ('disk-usage', 90, 0, 'all', 0, 0),
        ('memory-pressure', 20, 60, 'all', 0, 0),
        ('host-down', 1, 60, 'all', 0, 0),
        ('gpu-idle-memory', 1, 1800, 'all', 0, 0);
      CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        rule_id INTEGER REFERENCES alert_rules(id) ON DELETE SET NULL,
        kind TEXT NOT NULL,
        host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        subject TEXT NOT NULL,
        message TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('warning','critical')),
        started_at INTEGER NOT NULL,
        resolved_at INTEGER,
        acknowledged INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX alerts_started ON alerts(started_at);
      -- At most one active alert per rule, host and subject.
      CREATE UNIQUE INDEX alerts_active ON alerts(rule_id, host_id, subject) WHERE resolved_at IS NULL;
    `,
  },
  {
    version: 5,
    name: 'audit search indexes and append-only guard',
    // The audit log is filtered by time, host and operation. Triggers make "append-only" hold
    // for any code path, not just the ones we wrote: an UPDATE or DELETE aborts.
    sql: `
      CREATE INDEX audit_host ON audit_events(host_name COLLATE NOCASE, id);
      CREATE INDEX audit_operation ON audit_events(operation, id);
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `,
  },
  {
    version: 7,
    name: 'I/O wait and swap in metric history',
    // Appended to the series of migration 3 (iowait: % of CPU time; swap: bytes used). Rows
    // written before keep NULL values and n = 0, which every rollup merge and read already skips.
    sql: [
      'ALTER TABLE metric_raw ADD COLUMN iowait REAL;',
      'ALTER TABLE metric_raw ADD COLUMN swap REAL;',
      ...['metric_1m', 'metric_1h'].flatMap((table) =>
        ['iowait', 'swap'].flatMap((c) => [
          `ALTER TABLE ${table} ADD COLUMN ${c}_min REAL;`,
          `ALTER TABLE ${table} ADD COLUMN ${c}_avg REAL;`,
          `ALTER TABLE ${table} ADD COLUMN ${c}_max REAL;`,
          `ALTER TABLE ${table} ADD COLUMN ${c}_n INTEGER NOT NULL DEFAULT 0;`,
        ]),
      ),
    ].join('\n'),
  },
  {
    version: 8,
    name: 'per-GPU rollups',
    // One row per host, minute (or hour) and GPU index, with min/avg/max and non-null count of
    // utilisation %, memory used (bytes and % of that GPU's memory), temperature and power, as
    // metric_1m/1h keep them for the host. t leads the GPU in the key: retention deletes and
    // range reads are seeks on (host_id, t), and one read returns every GPU of the range.
    // No raw per-GPU table: at 1 Hz it would hold 4-8 times metric_raw's rows for a 1 h chart
    // that 60 one-minute points per GPU already draw.
    // Hours are folded from closed minutes by the pruner, not upserted with every sample (see
    // metrics-store.ts): gpu_hours_through is the minute up to which a host's minutes are in
    // gpu_1h (NULL: none yet); reads of hours add the minutes from there on.
    sql: [
      ...['gpu_1m', 'gpu_1h'].map((table) =>
        [
          `CREATE TABLE ${table} (`,
          '  host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,',
          '  t INTEGER NOT NULL,',
          '  gpu INTEGER NOT NULL,',
          '  samples INTEGER NOT NULL,',
          ...['util', 'mem_used', 'mem_pct', 'temp', 'power'].map((c) => `  ${c}_min REAL, ${c}_avg REAL, ${c}_max REAL, ${c}_n INTEGER NOT NULL DEFAULT 0,`),
          '  PRIMARY KEY (host_id, t, gpu)',
          ') WITHOUT ROWID;',
        ].join('\n'),
      ),
      'ALTER TABLE monitor_last_seen ADD COLUMN gpu_hours_through INTEGER;',
    ].join('\n'),
  },
  {
    version: 9,
    name: 'change engine: installed modules and change runs',
    // What Fleetdeck applied to each host (the Services tab, drift = planning these again) and
    // every apply or rollback (journal id on the host, outcome). Settings are stored without
    // secret fields; the host's own journal (/var/lib/fleetdeck/journal) is the full record.
    sql: `
      CREATE TABLE change_installed (
        host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        module TEXT NOT NULL,
        settings TEXT NOT NULL,
        applied_at INTEGER NOT NULL,
        journal_id TEXT,
        verify_at INTEGER,
        verify_ok INTEGER,
        verify_failed TEXT,
        PRIMARY KEY (host_id, module)
      );
      CREATE TABLE change_runs (
        id INTEGER PRIMARY KEY,
        host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        journal_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        modules TEXT NOT NULL,
        settings TEXT NOT NULL,
        steps INTEGER NOT NULL,
        status TEXT NOT NULL,
        message TEXT,
        started_at INTEGER NOT NULL,
        ended_at INTEGER
      );
      CREATE INDEX change_runs_host ON change_runs(host_id, id);
    `,
  },
  {
    version: 10,
    name: 'change engine: a module\'s status line from its last verify',
    // The evidence of a module's status check (id "<module>-status": the last good backup, its
    // time and size), shown on the Services tab without verifying again. Host data: shown as text.
    sql: 'ALTER TABLE change_installed ADD COLUMN verify_status TEXT;',
  },
  {
    version: 11,
    name: 'hosts: Fleetdeck\'s directory for the login on the host (where a per-user agent listens)',
    // Set by each start of the helper; read before the next connect's bootstrap to reach a
    // per-user agent's socket there. Host data: only ever a path to forward to as that login.
    sql: 'ALTER TABLE host_facts ADD COLUMN install_dir TEXT;',
  },
];
