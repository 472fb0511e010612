/**
 * Multi-threaded wasm under Node.
 *
 * tfjs-backend-wasm ships a threaded+SIMD build but never uses it in Node: the flag
 * WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false when IS_NODE (tfjs#3830), and its
 * loader hands Emscripten a Blob URL for the pthread worker script, which Node's
 * worker_threads cannot start. The Emscripten glue itself does support Node. So we:
 *   1. write the shipped worker script (`wasmWorkerContents`) to a .cjs file in the temp dir,
 *   2. instantiate the threaded factory ourselves with `locateFile` pointing at that file and
 *      `mainScriptUrlOrBlob` at the factory's own .js file (the workers `importScripts` it),
 *   3. wrap the module in the package's own `BackendWasm` class under the name 'wasm', so every
 *      wasm kernel (and ours) applies unchanged.
 * The build sizes its XNNPACK thread pool as `emscripten_num_logical_cores() / 2` (clamped to
 * 1..4), which is `os.cpus().length / 2` under Node; on a 2-core machine that is 1 thread.
 * We report twice the wanted thread count from `os.cpus()` while the module starts.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** What the threaded setup did, for the backend report. */
export interface WasmThreadSetup {
  threaded: boolean;
  requestedThreads: number;
  /** why the threaded build is not used (set later if starting it fails) */
  reason?: string;
}

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread?: { runningWorkers: { unref(): void }[]; unusedWorkers: { unref(): void }[] };
  tfjs?: unknown;
}

type ThreadedFactory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

function wasmOutDir(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
}

/** True when this runtime can run wasm threads (shared memory + atomics). */
export function wasmThreadsSupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    // a module with a shared memory and an atomic load
    const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    return wasm.validate(
      new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0, 26, 11]),
    );
  } catch {
    return false;
  }
}

/** Writes the pthread worker script once per content version; returns its path. */
function workerScriptPath(dir: string): string {
  const { wasmWorkerContents } = require(join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  // The shipped string holds "\n" escapes that were meant to stay escaped inside string literals.
  const source = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const path = join(os.tmpdir(), `attune-wasm-pthread-${hash}.cjs`);
  if (!existsSync(path)) {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, source);
    renameSync(tmp, path);
  }
  return path;
}

/** Instantiates the threaded build with `threads` XNNPACK threads. */
async function instantiateThreaded(threads: number): Promise<EmscriptenModule> {
  const dir = wasmOutDir();
  const mainScript = join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  const factory = require(mainScript) as ThreadedFactory;
  const worker = workerScriptPath(dir);
  const realCpus = os.cpus;
  const cpus = realCpus.call(os);
  const fake = Array.from({ length: threads * 2 }, (_, i) => cpus[i % Math.max(1, cpus.length)]);
  (os as { cpus: () => os.CpuInfo[] }).cpus = () => fake;
  const before = { uncaught: process.listeners('uncaughtException'), rejection: process.listeners('unhandledRejection') };
  try {
    const module = await factory({
      locateFile: (path: string) => (path.endsWith('.worker.js') ? worker : join(dir, path)),
      mainScriptUrlOrBlob: mainScript,
    });
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    return module;
  } finally {
    (os as { cpus: () => os.CpuInfo[] }).cpus = realCpus;
    // The Emscripten glue adds handlers that rethrow every uncaught error from inside itself,
    // which buries the real stack under a page of minified glue; the engine has its own.
    for (const l of process.listeners('uncaughtException')) if (!before.uncaught.includes(l)) process.off('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!before.rejection.includes(l)) process.off('unhandledRejection', l);
  }
}

/** Lets the process exit while the thread pool's workers idle. */
function unrefWorkers(module: EmscriptenModule): void {
  for (const w of module.PThread?.runningWorkers ?? []) w.unref();
  for (const w of module.PThread?.unusedWorkers ?? []) w.unref();
}

/**
 * Replaces the 'wasm' backend factory with one that starts the threaded build, falling back to
 * the package's own single-threaded factory if that fails. Must run before 'wasm' is initialised.
 */
export function useThreadedWasm(threads: number): WasmThreadSetup {
  if (threads <= 1) return { threaded: false, requestedThreads: threads, reason: 'one thread requested' };
  if (!wasmThreadsSupported()) {
    return { threaded: false, requestedThreads: threads, reason: 'this runtime has no SharedArrayBuffer / wasm threads' };
  }
  const stock = tf.findBackendFactory('wasm');
  if (!stock) return { threaded: false, requestedThreads: threads, reason: "the 'wasm' backend is not registered" };
  const BackendWasm = wasmBackend.BackendWasm as unknown as new (m: EmscriptenModule) => tf.KernelBackend;
  const setup: WasmThreadSetup = { threaded: true, requestedThreads: threads };
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      try {
        const module = await instantiateThreaded(threads);
        const backend = new BackendWasm(module);
        unrefWorkers(module);
        return backend;
      } catch (err) {
        setup.threaded = false;
        setup.reason = `the threaded wasm build failed to start: ${(err as Error)?.message ?? String(err)}`;
        process.emitWarning(`attune: ${setup.reason}; using one thread`);
        return stock();
      }
    },
    2,
  );
  return setup;
}
