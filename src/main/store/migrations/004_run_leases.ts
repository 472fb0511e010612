/**
 * Migration 4: a lease per running run. The process that runs it writes its pid, host and a
 * heartbeat; another process that opens the project marks the run interrupted only when that
 * lease is dead (the pid is gone on this host, or the heartbeat is stale).
 */
export const sql = `
CREATE TABLE run_leases (
  run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  acquired_at TEXT NOT NULL,
  heartbeat_ms INTEGER NOT NULL
) STRICT;
`;
