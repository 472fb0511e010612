/**
 * Starts and talks to the engine process: request/response by sequence number, events per
 * request, cancel and kill. If the engine dies, every pending caller gets an `engine_crashed`
 * error and the next request starts a fresh engine; the app keeps running.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromEngine, ToEngine } from '../shared/engine-protocol';
import { AppError, fromErrorData } from '../shared/errors';
import type { EngineStatus } from '../shared/schemas/system';
import type { EngineJobName, JobEvent, JobParams, JobResult } from '../shared/engine-jobs';

/** The handle of a started engine process, whatever started it. */
export interface EngineProcess {
  pid: number | undefined;
  send(message: ToEngine): void;
  onMessage(listener: (m: FromEngine) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

/** Starts an engine process; Electron passes one based on utilityProcess. */
export type EngineSpawner = () => EngineProcess;

/** The engine entry under plain Node: the TypeScript source through tsx, or a built file. */
export function nodeEngineEntry(): { entry: string; execArgv: string[] } {
  const here = dirname(fileURLToPath(import.meta.url));
  const source = join(here, '..', 'engine', 'worker.ts');
  // tsx by absolute URL: `--import tsx` would resolve against the user's working directory
  if (existsSync(source)) return { entry: source, execArgv: ['--import', import.meta.resolve('tsx')] };
  return { entry: join(here, '..', 'engine', 'worker.js'), execArgv: [] };
}

/** Spawns the engine with child_process.fork (CLI, `attune serve`, tests). */
export function forkSpawner(env: NodeJS.ProcessEnv = process.env): EngineSpawner {
  return () => {
    const { entry, execArgv } = nodeEngineEntry();
    const child = fork(entry, [], { execArgv, env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return {
      pid: child.pid,
      send: (m) => void (child.connected && child.send(m)),
      onMessage: (l) => void child.on('message', (m) => l(m as FromEngine)),
      onExit: (l) => void child.on('exit', (code, signal) => l(code, signal)),
      kill: () => void child.kill('SIGKILL'),
    };
  };
}

interface Pending {
  method: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
  onEvent?: (name: string, payload: unknown) => void;
}

/** Options of one engine request; `onEvent` receives the job's events, typed by the job table. */
export interface RequestOptions<K extends EngineJobName = EngineJobName> {
  onEvent?: (...event: JobEvent<K>) => void;
  signal?: AbortSignal;
}

/** A request's params (optional for jobs that take none) and options. */
type RequestArgs<K extends EngineJobName> = Record<string, never> extends JobParams<K>
  ? [params?: JobParams<K>, options?: RequestOptions<K>]
  : [params: JobParams<K>, options?: RequestOptions<K>];

/** Owns at most one engine process at a time. */
export class EngineHost {
  private proc: EngineProcess | undefined;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private state: EngineStatus = { state: 'stopped' };
  private readonly statusListeners = new Set<(s: EngineStatus) => void>();

  constructor(private readonly spawn: EngineSpawner = forkSpawner()) {}

  /** Current state of the engine process. */
  get status(): EngineStatus {
    return this.state;
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onStatus(listener: (s: EngineStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Sends a request of the job table (src/shared/engine-jobs.ts), starting the engine if needed; resolves with the job's result. */
  request<K extends EngineJobName>(method: K, ...[params, options = {}]: RequestArgs<K>): Promise<JobResult<K>> {
    const proc = this.ensure();
    const seq = ++this.seq;
    return new Promise<JobResult<K>>((resolve, reject) => {
      if (options.signal?.aborted) return reject(new AppError('cancelled', `${method} was cancelled`));
      this.pending.set(seq, { method, resolve: resolve as (v: unknown) => void, reject, onEvent: options.onEvent as Pending['onEvent'] });
      options.signal?.addEventListener('abort', () => this.cancel(seq), { once: true });
      proc.send({ type: 'request', seq, method, params });
    });
  }

  /** Asks the engine to cancel one request; the job rejects with `cancelled`. */
  cancel(seq: number): void {
    this.proc?.send({ type: 'cancel', seq });
  }

  /** Kills the engine at once (a stuck job); pending requests fail with engine_crashed. */
  kill(): void {
    this.proc?.kill();
  }

  /** Ordered shutdown: asks the engine to exit, kills it after `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    const exited = new Promise<void>((r) => proc.onExit(() => r()));
    proc.send({ type: 'shutdown' });
    const timer = setTimeout(() => proc.kill(), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private ensure(): EngineProcess {
    if (this.proc) return this.proc;
    const proc = this.spawn();
    this.proc = proc;
    this.setState({ state: 'starting', pid: proc.pid });
    proc.onMessage((m) => this.receive(m));
    proc.onExit((code, signal) => this.exited(proc, code, signal));
    return proc;
  }

  private receive(m: FromEngine): void {
    if (m.type === 'ready') return this.setState({ state: 'ready', pid: m.pid });
    const p = this.pending.get(m.seq);
    if (!p) return;
    if (m.type === 'event') return p.onEvent?.(m.name, m.payload);
    this.pending.delete(m.seq);
    if (m.ok) p.resolve(m.value);
    else p.reject(fromErrorData(m.error));
  }

  private exited(proc: EngineProcess, code: number | null, signal: string | null): void {
    if (this.proc !== proc) return;
    this.proc = undefined;
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    const failed = this.pending.size > 0 || (code !== 0 && code !== null) || signal !== null;
    for (const [seq, p] of this.pending) {
      p.reject(new AppError('engine_crashed', `The engine process ${how} while running "${p.method}". Attune is still running; the next request starts a fresh engine.`));
      this.pending.delete(seq);
    }
    this.setState(failed ? { state: 'crashed', message: `The engine process ${how}.` } : { state: 'stopped' });
  }

  private setState(s: EngineStatus): void {
    this.state = s;
    for (const l of this.statusListeners) l(s);
  }
}
