/**
 * Run leases in a real project database. A 'running' run whose lease is held by a live process
 * (a real second process here) stays running when another process opens the project; runs
 * whose holder is gone, whose heartbeat is stale or that have no lease are marked interrupted.
 * Resume refuses the live one and names the process that holds it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectStore } from '../../../src/main/store/project-store';
import { createNodeApp } from '../../../src/main/node-app';
import { HEARTBEAT_MS, RunLease, leaseIsLive, pidAlive, STALE_MS } from '../../../src/main/services/runs/lease';

let root: string;
let holder: ChildProcess;
const host = hostname();

function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

/** A project with runs 'live', 'dead-pid', 'stale', 'no-lease', all stored as running. */
function project(livePid: number): string {
  const dir = join(mkdtempSync(join(root, 'p-')), 'project');
  const store = ProjectStore.create(dir, 'leases');
  const deadPid = spawnSync(process.execPath, ['-e', '']).pid!; // a process that has exited
  const now = Date.now();
  const rows: [string, number | null, number][] = [['live', livePid, now], ['dead-pid', deadPid, now], ['stale', livePid, now - STALE_MS - 5_000], ['no-lease', null, now]];
  for (const [id, pid, beat] of rows) {
    store.runs.create({ id, groupId: null, name: id, recipe: 'blog', config: { name: id }, seed: 1 }, [{ name: 'pretrain', kind: 'pretrain', totalSteps: 10 }]);
    store.runs.setStatus(id, 'running');
    store.runs.setStageStatus(id, 0, 'running');
    if (pid !== null) store.leases.acquire(id, { pid, host }, () => false, beat);
  }
  store.close();
  return dir;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'attune-leases-'));
  holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await waitFor(() => holder.pid !== undefined && pidAlive(holder.pid), 'the holder process to start');
});

afterAll(() => {
  if (holder.exitCode === null) holder.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('run leases', () => {
  it('opening the project marks only the runs whose lease is dead as interrupted', async () => {
    const dir = project(holder.pid!);
    const app = createNodeApp('cli', join(root, 'home'));
    try {
      const status = () => Object.fromEntries(app.runs.list(dir).map((r) => [r.id, r.status]));
      expect(status()).toEqual({ live: 'running', 'dead-pid': 'interrupted', stale: 'interrupted', 'no-lease': 'interrupted' });
      const store = app.projects.get(dir);
      expect(store.runs.stages('live')[0].status).toBe('running');
      expect(store.runs.stages('dead-pid')[0].status).toBe('interrupted');
      expect(store.leases.get('dead-pid')).toBeUndefined();
      // a second open (another `attune runs`) still leaves the live run alone
      app.projects.close(dir);
      expect(status().live).toBe('running');
    } finally {
      await app.shutdown();
    }
  });

  it('resume refuses a run live in another process, naming its pid; once that process is gone the run is interrupted', async () => {
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await waitFor(() => other.pid !== undefined && pidAlive(other.pid), 'the second holder to start');
    const dir = project(other.pid!);
    const app = createNodeApp('cli', join(root, 'home'));
    try {
      expect(() => app.runs.resume(dir, 'live')).toThrow(new RegExp(`run live is being run by process ${other.pid} on ${host}.*Wait for it to finish`));
      expect(app.runs.list(dir).find((r) => r.id === 'live')?.status).toBe('running');
      const exited = new Promise((r) => other.on('exit', r));
      other.kill('SIGKILL');
      await exited;
      await waitFor(() => !pidAlive(other.pid!), 'the second holder to be gone');
      expect(app.runs.list(dir).find((r) => r.id === 'live')?.status).toBe('interrupted');
    } finally {
      if (other.exitCode === null) other.kill('SIGKILL');
      await app.shutdown();
    }
  });

  it('a RunLease writes this process as the holder, renews it and gives it back; a live holder keeps it', () => {
    const dir = join(mkdtempSync(join(root, 'q-')), 'project');
    const store = ProjectStore.create(dir, 'lease');
    try {
      for (const id of ['mine', 'theirs']) store.runs.create({ id, groupId: null, name: id, recipe: 'blog', config: {}, seed: 1 }, []);
      const lease = new RunLease(store, 'mine');
      lease.acquire();
      const row = store.leases.get('mine')!;
      expect(row).toMatchObject({ pid: process.pid, host });
      expect(leaseIsLive(row)).toBe(true);
      expect(leaseIsLive(row, row.heartbeatMs + STALE_MS + 1)).toBe(false);
      expect(store.leases.heartbeat('mine', { pid: process.pid, host }, row.heartbeatMs + 5)).toBe(true);
      expect(store.leases.get('mine')!.heartbeatMs).toBe(row.heartbeatMs + 5);
      lease.release();
      expect(store.leases.get('mine')).toBeUndefined();
      store.leases.acquire('theirs', { pid: holder.pid!, host }, () => false, Date.now());
      expect(() => new RunLease(store, 'theirs').acquire()).toThrow(`run theirs is being run by process ${holder.pid} on ${host}`);
      expect(store.leases.get('theirs')?.pid).toBe(holder.pid);
    } finally {
      store.close();
    }
  });

  it('the holder renews its heartbeat every 10 s and says so when another process took the lease over', () => {
    const dir = join(mkdtempSync(join(root, 'h-')), 'project');
    const store = ProjectStore.create(dir, 'heartbeat');
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    try {
      store.runs.create({ id: 'r', groupId: null, name: 'r', recipe: 'blog', config: {}, seed: 1 }, []);
      const lost: string[] = [];
      const lease = new RunLease(store, 'r', (m) => lost.push(m));
      lease.acquire();
      const first = store.leases.get('r')!.heartbeatMs;
      vi.advanceTimersByTime(HEARTBEAT_MS);
      expect(store.leases.get('r')!.heartbeatMs).toBe(first + HEARTBEAT_MS);
      // another process found it stale and took it: this holder stops renewing and reports it
      store.leases.acquire('r', { pid: holder.pid!, host }, () => false, Date.now());
      vi.advanceTimersByTime(HEARTBEAT_MS);
      expect(lost).toEqual([expect.stringContaining('the lease of run r was taken over by another process')]);
      lease.release();
      expect(store.leases.get('r')?.pid).toBe(holder.pid); // release gives back only its own lease
    } finally {
      vi.useRealTimers();
      store.close();
    }
  });
});
