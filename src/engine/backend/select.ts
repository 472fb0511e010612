/**
 * Backend selection: tfjs-node-gpu, then webgpu on a hardware adapter, then tfjs-node, then wasm
 * with this project's training kernels; never the pure-JS cpu backend. Each failure is recorded with its reason and advice.
 * The module loader is injected so tests can pass stand-ins that fail in each way.
 */
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import { diagnoseLoadError } from './diagnose';
import type { WebgpuAdapterReport } from './webgpu-adapter';

/** A backend this project can train on, best first. */
export type BackendChoice = 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm';

/** What kind of compute the active backend is. */
export type BackendKind = 'gpu' | 'software-gpu' | 'native-cpu' | 'wasm';

/** One try at a backend. */
export interface BackendAttempt {
  name: BackendChoice;
  ok: boolean;
  reason?: string;
  advice?: string;
}

/** The active backend and why the better ones are not; JSON-serialisable. */
export interface BackendReport {
  /** tf.getBackend() name: 'tensorflow' or 'wasm' */
  backend: string;
  kind: BackendKind;
  threads: number;
  attempts: BackendAttempt[];
  versions: Record<string, string>;
  /** how the backend was chosen: first that works, or forced by option / ATTUNE_BACKEND */
  selection: 'auto' | 'forced';
  /** wasm only: project kernels registered for training */
  trainingKernels?: string[];
  /** wasm only: why fewer threads than cores are used, if so */
  threadsNote?: string;
  /** the WebGPU adapter Dawn offered, whether or not webgpu was used (absent: none found or not probed) */
  adapter?: WebgpuAdapterReport;
  /** webgpu only: kernels it lacks and where they run instead */
  routedKernels?: { kernel: string; to: string; reason: string }[];
}

/** Loads a module by name (dynamic import by default). */
export type ModuleLoader = (name: string) => Promise<unknown>;

/** Starts the wasm backend; returns what the report needs. Injected so selection tests stay light. */
export type WasmStarter = () => Promise<{ threads: number; trainingKernels: string[]; threadsNote?: string; version: string }>;

/** A refusal or failure of webgpu: why, what to do, and the adapter if one was found. */
export interface WebgpuRefusal {
  reason: string;
  advice: string;
  adapter?: WebgpuAdapterReport;
}

/**
 * Starts webgpu (a software adapter only when `allowSoftware`); throws a WebgpuRefusal-shaped
 * error otherwise. Injected so selection tests can stand in for Dawn.
 */
export type WebgpuStarter = (allowSoftware: boolean) => Promise<{ adapter: WebgpuAdapterReport; version: string; routedKernels: { kernel: string; to: string; reason: string }[] }>;

/** Options of a selection run. */
export interface SelectOptions {
  force?: BackendChoice;
  loader?: ModuleLoader;
  startWasm: WasmStarter;
  /** absent: webgpu is not tried */
  startWebgpu?: WebgpuStarter;
}

const ENV_NAMES: Record<string, BackendChoice> = {
  gpu: 'tensorflow-gpu',
  'tensorflow-gpu': 'tensorflow-gpu',
  webgpu: 'webgpu',
  node: 'tensorflow',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
};

/** Reads ATTUNE_BACKEND (gpu|webgpu|node|wasm); throws a clear error for any other value. */
export function forcedFromEnv(env: NodeJS.ProcessEnv = process.env): BackendChoice | undefined {
  const raw = env.ATTUNE_BACKEND?.trim().toLowerCase();
  if (!raw || raw === 'auto') return undefined;
  const choice = ENV_NAMES[raw];
  if (!choice) throw new Error(`ATTUNE_BACKEND='${env.ATTUNE_BACKEND}' is not one of gpu, webgpu, node, wasm (or auto)`);
  return choice;
}

interface NativeBinding {
  isUsingGpuDevice?: () => boolean;
  TF_Version?: string;
}

function moduleVersion(mod: unknown): string | undefined {
  const m = mod as { version?: Record<string, string> | string; default?: { version?: Record<string, string> } };
  const v = m?.version ?? m?.default?.version;
  if (typeof v === 'string') return v;
  return v?.['tfjs-node'] ?? v?.['tfjs-core'];
}

/** Tries one native package; returns the attempt and, on success, fills versions. */
async function tryNative(
  choice: 'tensorflow-gpu' | 'tensorflow',
  loader: ModuleLoader,
  versions: Record<string, string>,
): Promise<BackendAttempt> {
  const pkg = choice === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  if (choice === 'tensorflow-gpu' && process.env.TF_FORCE_GPU_ALLOW_GROWTH === undefined) {
    // TF otherwise reserves the whole card up front (tfjs#2611)
    process.env.TF_FORCE_GPU_ALLOW_GROWTH = 'true';
  }
  const alreadyThere = tf.findBackendFactory('tensorflow') != null;
  if (!(choice === 'tensorflow' && alreadyThere)) {
    let mod: unknown;
    try {
      mod = await loader(pkg);
    } catch (err) {
      return { name: choice, ok: false, ...diagnoseLoadError(pkg, err) };
    }
    const v = moduleVersion(mod);
    if (v) versions[choice === 'tensorflow-gpu' ? 'tfjs-node-gpu' : 'tfjs-node'] = v;
    if (tf.findBackendFactory('tensorflow') == null) {
      return {
        name: choice,
        ok: false,
        reason: `${pkg} loaded but registered no 'tensorflow' backend with this copy of tfjs-core`,
        advice: 'make sure @tensorflow/tfjs-core and the native package have the same version (npm ls @tensorflow/tfjs-core)',
      };
    }
  }
  let ok = false;
  try {
    ok = await tf.setBackend('tensorflow');
  } catch (err) {
    return { name: choice, ok: false, ...diagnoseLoadError(pkg, err) };
  }
  if (!ok) return { name: choice, ok: false, reason: `${pkg}: the 'tensorflow' backend failed to initialise`, advice: `reinstall ${pkg}` };
  const binding = (tf.backend() as unknown as { binding?: NativeBinding }).binding;
  if (binding?.TF_Version) versions.libtensorflow = binding.TF_Version;
  if (choice === 'tensorflow-gpu' && binding?.isUsingGpuDevice && !binding.isUsingGpuDevice()) {
    return {
      name: choice,
      ok: false,
      reason: 'no GPU visible to TensorFlow (CUDA found no device with compute capability >= 6.0)',
      advice: 'check `nvidia-smi`, the NVIDIA driver, and CUDA_VISIBLE_DEVICES; the native CPU backend is used meanwhile',
    };
  }
  return { name: choice, ok: true };
}

/** Runs the selection; throws only if nothing usable is found or a forced backend fails. */
export async function selectBackend(opts: SelectOptions): Promise<BackendReport> {
  const loader = opts.loader ?? ((name: string) => import(name));
  const auto: BackendChoice[] = opts.startWebgpu ? ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm'] : ['tensorflow-gpu', 'tensorflow', 'wasm'];
  const order: BackendChoice[] = opts.force ? [opts.force] : auto;
  const attempts: BackendAttempt[] = [];
  const versions: Record<string, string> = { 'tfjs-core': tf.version_core, node: process.versions.node };
  let adapter: WebgpuAdapterReport | undefined;
  for (const choice of order) {
    if (choice === 'webgpu') {
      if (!opts.startWebgpu) {
        attempts.push({ name: 'webgpu', ok: false, reason: 'webgpu is not available in this build', advice: 'choose another backend' });
        continue;
      }
      try {
        const w = await opts.startWebgpu(opts.force === 'webgpu');
        versions['tfjs-backend-webgpu'] = w.version;
        const note = w.adapter.software ? `software adapter, forced (${w.adapter.softwareReason})` : undefined;
        attempts.push({ name: 'webgpu', ok: true, ...(note ? { reason: note } : {}) });
        return {
          backend: tf.getBackend(),
          kind: w.adapter.software ? 'software-gpu' : 'gpu',
          threads: 0,
          attempts,
          versions,
          selection: opts.force ? 'forced' : 'auto',
          adapter: w.adapter,
          routedKernels: w.routedKernels,
        };
      } catch (err) {
        const e = err as Partial<WebgpuRefusal> & { message?: string };
        if (e.adapter) adapter = e.adapter;
        attempts.push({
          name: 'webgpu',
          ok: false,
          reason: e.reason ?? `webgpu failed to start: ${e.message ?? String(err)}`,
          advice: e.advice ?? 'reinstall the webgpu and @tensorflow/tfjs-backend-webgpu packages',
        });
      }
      continue;
    }
    if (choice === 'wasm') {
      try {
        const w = await opts.startWasm();
        versions['tfjs-backend-wasm'] = w.version;
        attempts.push({ name: 'wasm', ok: true });
        return {
          backend: tf.getBackend(),
          kind: 'wasm',
          threads: w.threads,
          attempts,
          versions,
          selection: opts.force ? 'forced' : 'auto',
          trainingKernels: w.trainingKernels,
          ...(w.threadsNote ? { threadsNote: w.threadsNote } : {}),
          ...(adapter ? { adapter } : {}),
        };
      } catch (err) {
        attempts.push({
          name: 'wasm',
          ok: false,
          reason: `the wasm backend failed to start: ${(err as Error)?.message ?? String(err)}`,
          advice: 'reinstall @tensorflow/tfjs-backend-wasm (its .wasm files must sit in node_modules/@tensorflow/tfjs-backend-wasm/wasm-out)',
        });
      }
      continue;
    }
    const attempt = await tryNative(choice, loader, versions);
    attempts.push(attempt);
    if (attempt.ok) {
      return {
        backend: tf.getBackend(),
        kind: choice === 'tensorflow-gpu' ? 'gpu' : 'native-cpu',
        threads: os.cpus().length,
        attempts,
        versions,
        selection: opts.force ? 'forced' : 'auto',
        ...(adapter ? { adapter } : {}),
      };
    }
  }
  const why = attempts.map((a) => `${a.name}: ${a.reason}${a.advice ? ` (${a.advice})` : ''}`).join('; ');
  const err = new Error(
    opts.force ? `the requested backend '${opts.force}' is not usable: ${why}` : `no training backend is usable: ${why}`,
  ) as Error & { attempts: BackendAttempt[] };
  err.attempts = attempts;
  throw err;
}

/** The run log's line naming the backend it trains on (and the adapter, on webgpu). */
export function backendLine(r: Pick<BackendReport, 'backend' | 'selection' | 'threads' | 'adapter'>): string {
  const adapter = r.backend === 'webgpu' && r.adapter ? `, adapter ${[r.adapter.vendor, r.adapter.architecture, r.adapter.device].filter(Boolean).join(' ')}${r.adapter.software ? ' (software)' : ''}` : '';
  const threads = r.backend === 'wasm' ? `, ${r.threads} thread(s)` : '';
  return `backend: ${r.backend}${threads}${adapter}${r.selection === 'forced' ? ' (forced)' : ''}`;
}
