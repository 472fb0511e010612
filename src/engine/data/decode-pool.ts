/**
 * Decoder processes for the decode cache. sharp in one process stays well short of two busy
 * cores: each pipeline hands its work between a libuv thread and a libvips worker, and
 * pipelines running side by side contend inside libvips (BENCHMARKS.md has the figures). So
 * files are decoded in child processes, each decoding one file at a time and writing the
 * frame straight into the cache file at the offset it is given: frames never cross a pipe,
 * only their channel-value counts come back.
 *
 * The pool spreads the files over its decoders, a couple in flight each. A decoder that dies
 * (a crash inside a codec, or a kill) fails only the file it was decoding, with that reason;
 * the files queued behind it go to a fresh decoder. Idle decoders stop after a while and are
 * started again on demand. If decoders cannot be started at all, decodeInto() rejects with
 * DecodePoolUnavailable so the caller can decode in its own process instead.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FrameSpec } from './decode-frame';

/** Parent → decoder: decode this file and write its frame at `out.offset` of `out.file`. */
export interface DecodeJob {
  id: number;
  path: string;
  spec: FrameSpec;
  out: { file: string; offset: number };
}

/**
 * Decoder → parent: the frame's channel-value counts, the reason there is no frame (`write`
 * when the file decoded but its frame could not be written), or "sharp is loaded, send work".
 */
export type DecodeReply = { id: number; counts: Uint32Array } | { id: number; error: string; write?: boolean } | { ready: number };


/** The decoder processes could not be started; decode in this process instead. */
export class DecodePoolUnavailable extends Error {}

/** A frame was decoded but could not be written (a full disk, a removed cache folder). */
export class FrameWriteError extends Error {}

export interface DecodePoolOptions {
  /** decoder processes (default: the number of cores, at most 4) */
  workers?: number;
  /** the decoder entry and its Node flags (default: decode-worker beside this module) */
  entry?: { file: string; execArgv: string[] };
  /** decoders stop after this long without work, in ms (default 30 s; 0 keeps them) */
  idleMs?: number;
}

interface Pending {
  job: DecodeJob;
  resolve: (counts: Uint32Array) => void;
  reject: (e: Error) => void;
}

interface Decoder {
  child: ChildProcess;
  ready: boolean;
  gone: boolean;
  /** settles when the decoder has loaded sharp, or stopped before that */
  started: Promise<void>;
  settleStart: (e?: Error) => void;
  /** sent and not answered, in the order the decoder works through them */
  jobs: Pending[];
}

/** Files sent to one decoder ahead of its answers: one decoding, one being stored, one waiting. */
const PER_DECODER = 3;

/** The decoder entry under plain Node: the TypeScript source through tsx, or the built file. */
export function decoderEntry(): { file: string; execArgv: string[] } {
  const here = dirname(fileURLToPath(import.meta.url));
  const source = join(here, 'decode-worker.ts');
  if (existsSync(source)) return { file: source, execArgv: ['--import', import.meta.resolve('tsx')] };
  return { file: join(here, 'decode-worker.js'), execArgv: [] };
}

/** A set of decoder processes that turn image files into cache frames. */
export class DecodePool {
  readonly size: number;
  private readonly entry: { file: string; execArgv: string[] };
  private readonly idleMs: number;
  private decoders: Decoder[] = [];
  private queue: Pending[] = [];
  private nextId = 1;
  private state: 'stopped' | 'starting' | 'running' | 'failed' | 'closed' = 'stopped';
  private failure: DecodePoolUnavailable | null = null;
  private starting: Promise<void> | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private framesWritten = 0;

  constructor(opts: DecodePoolOptions = {}) {
    this.size = Math.max(1, Math.floor(opts.workers ?? Math.min(4, availableParallelism())));
    this.entry = opts.entry ?? decoderEntry();
    this.idleMs = opts.idleMs ?? 30_000;
  }

  /** True when the decoders are up and taking work. */
  get ready(): boolean {
    return this.state === 'running';
  }

  /** True when the decoders could not be started (decode in-process instead). */
  get unavailable(): boolean {
    return this.state === 'failed';
  }

  /** Frames the decoders have written since the pool was made. */
  get decoded(): number {
    return this.framesWritten;
  }

  /** Process ids of the live decoders. */
  get pids(): number[] {
    return this.decoders.filter((d) => !d.gone && d.child.pid).map((d) => d.child.pid!);
  }

  /** Starts the decoders (if stopped) and resolves once every one of them has loaded sharp. */
  start(): Promise<void> {
    if (this.state === 'running') return Promise.resolve();
    if (this.state === 'failed') return Promise.reject(this.failure!);
    if (this.state === 'closed') return Promise.reject(new DecodePoolUnavailable('the decoder pool is closed'));
    if (this.starting) return this.starting;
    this.state = 'starting';
    this.decoders = Array.from({ length: this.size }, () => this.spawn());
    this.starting = Promise.all(this.decoders.map((d) => d.started))
      .then(() => {
        if (this.state === 'starting') this.state = 'running';
        this.pump();
      })
      .finally(() => (this.starting = null));
    return this.starting;
  }

  /**
   * Decodes one file in a decoder process, which writes the frame at `out.offset` of
   * `out.file` (an existing file); resolves to the frame's channel-value counts
   * (countChannelValues), or rejects with the reason the file cannot be decoded.
   */
  decodeInto(path: string, spec: FrameSpec, out: { file: string; offset: number }): Promise<Uint32Array> {
    if (this.state === 'failed') return Promise.reject(this.failure!);
    if (this.state === 'closed') return Promise.reject(new DecodePoolUnavailable('the decoder pool is closed'));
    const frame = new Promise<Uint32Array>((resolve, reject) => this.queue.push({ job: { id: this.nextId++, path, spec, out }, resolve, reject }));
    if (this.state === 'stopped') this.start().catch(() => {});
    this.pump();
    return frame;
  }

  /** Stops every decoder; decodes not yet answered are rejected. */
  async close(): Promise<void> {
    this.state = 'closed';
    this.clearIdle();
    const closed = new DecodePoolUnavailable('the decoder pool is closed');
    for (const p of this.queue.splice(0)) p.reject(closed);
    await this.stopDecoders(closed);
  }

  private spawn(): Decoder {
    const electron = process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {};
    const child = fork(this.entry.file, [], {
      execArgv: this.entry.execArgv,
      // one libuv thread: a decoder works on one file at a time
      env: { ...process.env, UV_THREADPOOL_SIZE: '1', ...electron },
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settleStart: (e?: Error) => void = () => {};
    const started = new Promise<void>((resolve, reject) => (settleStart = (e) => (e ? reject(e) : resolve())));
    started.catch(() => {});
    const d: Decoder = { child, ready: false, gone: false, started, settleStart, jobs: [] };
    child.on('message', (m: DecodeReply) => this.onReply(d, m));
    child.on('error', (e) => this.onGone(d, e.message));
    child.on('exit', (code, signal) => this.onGone(d, signal ? `signal ${signal}` : `exit code ${code}`));
    return d;
  }

  private onReply(d: Decoder, m: DecodeReply): void {
    if ('ready' in m) {
      d.ready = true;
      d.settleStart();
      this.pump();
      return;
    }
    const at = d.jobs.findIndex((p) => p.job.id === m.id);
    if (at < 0) return;
    const [p] = d.jobs.splice(at, 1);
    if ('counts' in m) this.framesWritten++, p.resolve(m.counts);
    else p.reject(m.write ? new FrameWriteError(m.error) : new Error(m.error));
    this.pump();
  }

  private onGone(d: Decoder, why: string): void {
    if (d.gone) return;
    d.gone = true;
    this.decoders = this.decoders.filter((x) => x !== d);
    if (this.state === 'closed' || this.state === 'stopped') return d.settleStart(new DecodePoolUnavailable('the decoder pool was stopped'));
    if (!d.ready) {
      // never came up: the pool cannot work here, callers fall back to decoding themselves
      this.state = 'failed';
      this.failure = new DecodePoolUnavailable(`a decoder process could not start (${why})`);
      d.settleStart(this.failure);
      for (const p of [...d.jobs, ...this.queue.splice(0)]) p.reject(this.failure);
      void this.stopDecoders(this.failure);
      return;
    }
    const [current, ...waiting] = d.jobs;
    current?.reject(new Error(`the decoder process stopped (${why}) while decoding this file`));
    this.queue.unshift(...waiting);
    if (this.state === 'running' || this.state === 'starting') this.decoders.push(this.spawn());
    this.pump();
  }

  /** Sends queued files to ready decoders, least busy first. */
  private pump(): void {
    while (this.queue.length) {
      const free = this.decoders.filter((d) => d.ready && !d.gone && d.child.connected && d.jobs.length < PER_DECODER);
      if (!free.length) break;
      const d = free.reduce((a, b) => (b.jobs.length < a.jobs.length ? b : a));
      const p = this.queue.shift()!;
      d.jobs.push(p);
      d.child.send(p.job);
    }
    this.holdProcessOpen(this.queue.length > 0 || this.state === 'starting' || this.decoders.some((d) => d.jobs.length > 0));
  }

  /** Decoders keep this process alive only while there is work; idle ones stop after idleMs. */
  private holdProcessOpen(busy: boolean): void {
    for (const d of this.decoders) {
      for (const h of [d.child, d.child.channel]) if (busy) h?.ref(); else h?.unref();
    }
    this.clearIdle();
    if (!busy && this.state === 'running' && this.idleMs > 0) {
      this.idleTimer = setTimeout(() => {
        this.state = 'stopped';
        void this.stopDecoders(new DecodePoolUnavailable('the decoders were stopped'));
      }, this.idleMs);
      this.idleTimer.unref();
    }
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private async stopDecoders(reason: Error): Promise<void> {
    const stopping = this.decoders.splice(0);
    await Promise.all(
      stopping.map((d) => {
        for (const p of d.jobs.splice(0)) p.reject(reason);
        d.gone = true;
        d.settleStart(reason);
        if (d.child.exitCode !== null || d.child.signalCode !== null) return undefined;
        return new Promise<void>((resolve) => {
          d.child.once('exit', () => resolve());
          d.child.ref(); // an idle decoder is unref'd: keep this process up until it is gone
          d.child.kill();
        });
      }),
    );
  }
}

let shared: DecodePool | null | undefined;

/**
 * The process-wide pool used by the cache builder: one decoder per core (at most 4), none on
 * a single core. ATTUNE_DECODERS=N overrides the count; 0 decodes in-process only.
 */
export function sharedDecodePool(): DecodePool | null {
  if (shared === undefined) {
    const env = process.env.ATTUNE_DECODERS;
    const n = env !== undefined && /^\d+$/.test(env) ? Number(env) : availableParallelism() >= 2 ? Math.min(4, availableParallelism()) : 0;
    shared = n > 0 ? new DecodePool({ workers: n }) : null;
  }
  return shared;
}
