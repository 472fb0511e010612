/**
 * Run leases between processes. The process that runs a run holds its lease and renews the
 * heartbeat every 10 s; another process opening the project treats a 'running' run as cut off
 * only when its lease is dead: no lease, the holder's pid is gone (same host), or the heartbeat
 * is older than 60 s. `attune resume` refuses a run whose lease is live elsewhere.
 */
import { hostname } from 'node:os';
import { AppError } from '../../../shared/errors';
import type { ProjectStore } from '../../store/project-store';
import type { LeaseHolder, LeaseRow } from '../../store/repos/leases';

/** How often the holder renews its heartbeat. */
export const HEARTBEAT_MS = 10_000;
/** A heartbeat older than this means the holder is gone (or hung). */
export const STALE_MS = 60_000;

/** This process as a lease holder. */
export function thisProcess(): LeaseHolder {
  return { pid: process.pid, host: hostname() };
}

/** Whether a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a lease still has a live holder at `nowMs`. */
export function leaseIsLive(lease: LeaseRow | undefined, nowMs = Date.now()): boolean {
  if (!lease) return false;
  if (nowMs - lease.heartbeatMs > STALE_MS) return false;
  if (lease.host === hostname() && !pidAlive(lease.pid)) return false;
  return true;
}

/** Whether the lease is held by this very process. */
export function heldHere(lease: LeaseRow | undefined): boolean {
  const me = thisProcess();
  return !!lease && lease.pid === me.pid && lease.host === me.host;
}

/** Says who holds a live lease, for messages. */
export function describeHolder(lease: LeaseRow, nowMs = Date.now()): string {
  const ago = Math.max(0, Math.round((nowMs - lease.heartbeatMs) / 1000));
  return `process ${lease.pid} on ${lease.host} (last heartbeat ${ago} s ago)`;
}

/**
 * Marks 'running' runs whose lease is dead as interrupted (and forgets those leases); runs
 * held by a live process, this one included, are left alone. Returns the ids marked.
 */
export function interruptDeadRuns(store: ProjectStore): string[] {
  const now = Date.now();
  const marked = store.runs.markInterrupted((id) => leaseIsLive(store.leases.get(id), now));
  for (const id of marked) store.leases.drop(id);
  return marked;
}

/** Throws when another live process holds the run's lease, naming that process. */
export function assertNotHeldElsewhere(store: ProjectStore, runId: string): void {
  const lease = store.leases.get(runId);
  if (lease && !heldHere(lease) && leaseIsLive(lease)) {
    throw new AppError('validation', `run ${runId} is being run by ${describeHolder(lease)}. Wait for it to finish, or stop that process, before resuming it here.`);
  }
}

/** The lease of one run while this process executes it: taken, renewed on a timer, given back. */
export class RunLease {
  private timer: NodeJS.Timeout | undefined;
  private readonly me = thisProcess();

  constructor(
    private readonly store: ProjectStore,
    private readonly runId: string,
    private readonly onLost: (message: string) => void = () => {},
  ) {}

  /** Takes the lease; throws naming the holder when another live process has it. */
  acquire(): void {
    const holder = this.store.leases.acquire(this.runId, this.me, (l) => leaseIsLive(l), Date.now());
    if (holder) throw new AppError('validation', `run ${this.runId} is being run by ${describeHolder(holder)}; it was not started a second time.`);
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  private beat(): void {
    try {
      if (!this.store.db.open) return this.stopTimer();
      if (!this.store.leases.heartbeat(this.runId, this.me, Date.now())) {
        this.stopTimer();
        this.onLost(`the lease of run ${this.runId} was taken over by another process (this process's heartbeat had stopped for over ${STALE_MS / 1000} s)`);
      }
    } catch (e) {
      this.onLost(`the heartbeat of run ${this.runId} could not be written: ${(e as Error).message}`);
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops the heartbeat and gives the lease back. */
  release(): void {
    this.stopTimer();
    if (this.store.db.open) this.store.leases.release(this.runId, this.me);
  }
}
