/** Run leases: which process runs a run, and when it last said so. */
import type { Db } from '../db';

export interface LeaseRow {
  runId: string;
  pid: number;
  host: string;
  acquiredAt: string;
  /** wall-clock ms of the holder's last heartbeat */
  heartbeatMs: number;
}

/** The holder of a lease: a process on a host. */
export interface LeaseHolder {
  pid: number;
  host: string;
}

/** Repository of run leases. */
export function leasesRepo(db: Db) {
  const cols = 'run_id AS runId, pid, host, acquired_at AS acquiredAt, heartbeat_ms AS heartbeatMs';
  const get = db.prepare(`SELECT ${cols} FROM run_leases WHERE run_id = ?`);
  const upsert = db.prepare(`INSERT INTO run_leases (run_id, pid, host, acquired_at, heartbeat_ms) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (run_id) DO UPDATE SET pid = excluded.pid, host = excluded.host, acquired_at = excluded.acquired_at, heartbeat_ms = excluded.heartbeat_ms`);
  const beat = db.prepare('UPDATE run_leases SET heartbeat_ms = ? WHERE run_id = ? AND pid = ? AND host = ?');
  const release = db.prepare('DELETE FROM run_leases WHERE run_id = ? AND pid = ? AND host = ?');
  const drop = db.prepare('DELETE FROM run_leases WHERE run_id = ?');
  return {
    /** The lease of a run, if any. */
    get: (runId: string) => get.get(runId) as LeaseRow | undefined,
    /**
     * Takes the lease for `me` unless a live holder other than `me` has it (one transaction);
     * returns that holder's lease when refused, undefined when taken.
     */
    acquire: db.transaction((runId: string, me: LeaseHolder, isLive: (l: LeaseRow) => boolean, nowMs: number): LeaseRow | undefined => {
      const cur = get.get(runId) as LeaseRow | undefined;
      if (cur && !(cur.pid === me.pid && cur.host === me.host) && isLive(cur)) return cur;
      upsert.run(runId, me.pid, me.host, new Date(nowMs).toISOString(), nowMs);
      return undefined;
    }),
    /** Renews the holder's heartbeat; false when the lease is no longer theirs. */
    heartbeat: (runId: string, me: LeaseHolder, nowMs: number) => beat.run(nowMs, runId, me.pid, me.host).changes > 0,
    /** Gives the lease back (only the holder's own). */
    release: (runId: string, me: LeaseHolder) => void release.run(runId, me.pid, me.host),
    /** Forgets a dead lease. */
    drop: (runId: string) => void drop.run(runId),
  };
}
