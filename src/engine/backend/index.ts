/**
 * The engine's compute backend: choose the best one that works here, register this project's
 * wasm training kernels, and report what was chosen and why the better ones were not.
 *
 * Order: tfjs-node-gpu → webgpu (a hardware adapter from Dawn) → tfjs-node → wasm (multi-threaded
 * when the runtime allows). The pure-JS cpu backend is never used for training.
 * `ATTUNE_BACKEND=gpu|webgpu|node|wasm` (or `force`) picks one; only a forced webgpu uses a
 * software adapter (SwiftShader, lavapipe, WARP).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import os from 'node:os';
import { registerWasmTrainingKernels } from './kernels/register';
import { forcedFromEnv, selectBackend, type BackendChoice, type BackendReport, type ModuleLoader } from './select';
import { useThreadedWasm, type WasmThreadSetup } from './wasm-threads';
import { installTfjsEsmFix } from './tfjs-esm-fix';
import { startWebgpu } from './webgpu';

export type { BackendAttempt, BackendChoice, BackendKind, BackendReport, ModuleLoader } from './select';
export { backendLine } from './select';
export { registerWasmTrainingKernels } from './kernels/register';

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /** use only this backend (default: ATTUNE_BACKEND, else the first that works) */
  force?: BackendChoice;
  /** loads '@tensorflow/tfjs-node[-gpu]', 'webgpu' (Dawn) and '@tensorflow/tfjs-backend-webgpu'; tests pass stand-ins */
  loader?: ModuleLoader;
  /** wasm threads (default: ATTUNE_WASM_THREADS, else every core, at most 4: the build's own cap) */
  threads?: number;
}

let current: { key: string; report: Promise<BackendReport> } | undefined;
let wasmThreadSetup: WasmThreadSetup | undefined;

/** Number of cores this process may use. */
function coreCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

function wantedThreads(opt?: number): number {
  const fromEnv = Number(process.env.ATTUNE_WASM_THREADS);
  const n = opt ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : coreCount());
  return Math.max(1, Math.min(4, Math.floor(n)));
}

/** Starts wasm with the training kernels, threaded if possible. */
async function startWasm(threads: number) {
  const trainingKernels = registerWasmTrainingKernels();
  if (!wasmThreadSetup && !tf.findBackend('wasm')) wasmThreadSetup = useThreadedWasm(threads);
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error("tf.setBackend('wasm') returned false");
  const active = wasmBackend.getThreadsCount();
  let threadsNote: string | undefined;
  if (active < coreCount()) {
    threadsNote =
      wasmThreadSetup && !wasmThreadSetup.threaded
        ? `single-threaded wasm: ${wasmThreadSetup.reason}`
        : `${active} of ${coreCount()} cores (requested ${wasmThreadSetup?.requestedThreads ?? threads}; the wasm build caps its pool at 4)`;
  }
  return { threads: active, trainingKernels, threadsNote, version: wasmBackend.version_wasm };
}

/**
 * Registers tfjs-core's gradients and chained ops (`x.mul(y)`; tfjs-core alone registers
 * neither, the union package would) so engine code behaves the same under vitest, tsx and the
 * built engine. The `.js` paths and the ESM fix make the deep imports load under plain Node.
 */
export async function registerGradients(): Promise<void> {
  installTfjsEsmFix();
  if (!tf.getGradient('Conv2D')) await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  await import('@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js');
}

/**
 * Selects and initialises the backend and registers the gradients (idempotent: later calls with the same options return the
 * same report). Throws a clear error when a forced backend, or every backend, is unusable.
 */
export function initBackend(opts: InitBackendOptions = {}): Promise<BackendReport> {
  const force = opts.force ?? forcedFromEnv();
  const key = `${force ?? 'auto'}|${opts.threads ?? ''}`;
  if (current && current.key === key && !opts.loader) return current.report;
  const threads = wantedThreads(opts.threads);
  const loader: ModuleLoader = opts.loader ?? ((name: string) => import(name));
  const report = registerGradients().then(() =>
    selectBackend({
      force,
      loader,
      startWasm: () => startWasm(threads),
      // webgpu joins the automatic order only on request (ATTUNE_WEBGPU_AUTO=1): every read-back of
      // the engine is asynchronous now and a run completes on it (test/engine/pipeline/webgpu-run.test.ts),
      // but it has only been run on a software adapter, never measured on a GPU; forcing it always works
      ...(force === 'webgpu' || process.env.ATTUNE_WEBGPU_AUTO === '1' ? { startWebgpu: (allowSoftware: boolean) => startWebgpu(loader, allowSoftware) } : {}),
    }),
  );
  current = { key, report };
  report.catch(() => {
    if (current?.report === report) current = undefined;
  });
  return report;
}

/** The report of the last successful `initBackend`, if any. */
export async function currentBackendReport(): Promise<BackendReport | undefined> {
  return current?.report.catch(() => undefined);
}
