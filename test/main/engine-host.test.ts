import { afterEach, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/main/engine-host';
import { AppError } from '../../src/shared/errors';

let host: EngineHost | undefined;
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

describe('engine host (real child process)', () => {
  it('answers requests by sequence number and forwards events', async () => {
    host = new EngineHost();
    const [a, b] = await Promise.all([host.request('ping'), host.request('ping')]);
    expect(a.pid).toBe(b.pid);
    expect(a.pid).not.toBe(process.pid);
    const events: unknown[] = [];
    const result = await host.request('sleep', { ms: 120 }, { onEvent: (name, payload) => events.push({ name, payload }) });
    expect(result).toEqual({ slept: 120 });
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]).toMatchObject({ name: 'progress' });
  });

  it('reports unknown jobs as errors; the job table refuses them at compile time', async () => {
    host = new EngineHost();
    // @ts-expect-error not a job of src/shared/engine-jobs.ts: `npm run typecheck` fails if this compiles
    await expect(host.request('no-such-job')).rejects.toMatchObject({ code: 'unknown_method' });
    // @ts-expect-error run.benchmark's params are checked: a missing field does not compile
    expect(() => host!.request('run.benchmark', { arch: 'resnet18' })).toBeTypeOf('function');
  });

  it('cancels a running job', async () => {
    host = new EngineHost();
    const controller = new AbortController();
    const pending = host.request('sleep', { ms: 5000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('survives an engine crash: the caller gets engine_crashed and the next request starts a fresh engine', async () => {
    host = new EngineHost();
    const states: string[] = [];
    host.onStatus((s) => states.push(s.state));
    const first = await host.request('ping');
    const pending = host.request('sleep', { ms: 10_000 });
    process.kill(first.pid, 'SIGKILL');
    const err = (await pending.catch((e: unknown) => e)) as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('engine_crashed');
    expect(err.message).toMatch(/sleep/);
    expect(states).toContain('crashed');
    const second = await host.request('ping');
    expect(second.pid).not.toBe(first.pid);
  });
});
