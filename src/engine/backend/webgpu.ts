/**
 * The `webgpu` training backend: @tensorflow/tfjs-backend-webgpu on an adapter from Dawn.
 * Node 20 has no `navigator`; the engine gives tfjs `globalThis.navigator.gpu` and Dawn's
 * globals (GPUBufferUsage, …), then registers its own backend factory so the device is created
 * on the adapter the report describes. A software adapter is only used when forced.
 */
/// <reference types="@webgpu/types" />
import * as tf from '@tensorflow/tfjs-core';
import { findAdapter, type AdapterModuleLoader, type WebgpuAdapterReport } from './webgpu-adapter';
import { checkWebgpuKernels } from './webgpu-kernels';

export type { WebgpuAdapterReport } from './webgpu-adapter';

/** What starting webgpu gives the report. */
export interface WebgpuStart {
  adapter: WebgpuAdapterReport;
  version: string;
  /** kernels the product needs that webgpu lacks, each with where it goes instead (empty when all are there) */
  routedKernels: { kernel: string; to: string; reason: string }[];
}

/** Why webgpu was not started; `adapter` is set when one was found but not wanted. */
export class WebgpuUnavailable extends Error {
  constructor(
    readonly reason: string,
    readonly advice: string,
    readonly adapter?: WebgpuAdapterReport,
  ) {
    super(reason);
    this.name = 'WebgpuUnavailable';
  }
}

/** Gives tfjs a `navigator.gpu` (Node 20 has no navigator; Node 21+ has one without gpu) and Dawn's globals. */
function installNavigatorGpu(gpu: GPU, globals: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if (!g.navigator.gpu) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  }
}

/** The device descriptor tfjs-backend-webgpu asks for (with its nested-array feature bug fixed). */
function deviceDescriptor(adapter: GPUAdapter): GPUDeviceDescriptor {
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  const l = adapter.limits;
  return {
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  };
}

let started: WebgpuStart | undefined;

/** The message a synchronous read of GPU data gets under Node. */
export const SYNC_READ_MESSAGE =
  'dataSync()/arraySync() cannot read GPU data on the webgpu backend under Node: Dawn has no blocking buffer map ' +
  '(tfjs would need OffscreenCanvas). Use `await tensor.data()` / `await tensor.array()` instead';

/**
 * tfjs-backend-webgpu reads GPU data synchronously through an OffscreenCanvas, which Node lacks;
 * without this its readSync dies with 'OffscreenCanvas is not defined'. Host-resident data still
 * reads synchronously; GPU data gets an error that says what to do.
 */
function patchReadSync(proto: { readSync: (dataId: object) => unknown }): void {
  if (typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas !== 'undefined') return;
  const original = proto.readSync;
  if ((original as { attunePatched?: boolean }).attunePatched) return;
  const patched = function (this: { tensorMap: { get(id: object): { values?: unknown; dtype: string } | undefined } }, dataId: object) {
    const data = this.tensorMap.get(dataId);
    if (data && data.values == null && data.dtype !== 'string' && data.dtype !== 'complex64') throw new Error(SYNC_READ_MESSAGE);
    return original.call(this, dataId);
  };
  (patched as { attunePatched?: boolean }).attunePatched = true;
  proto.readSync = patched;
}

/**
 * Finds an adapter and makes 'webgpu' the active tfjs backend. Without `allowSoftware`, a
 * software adapter is refused (WebgpuUnavailable with the adapter). Throws WebgpuUnavailable
 * with a reason and advice for every other failure. Idempotent once started.
 */
export async function startWebgpu(loader: AdapterModuleLoader, allowSoftware: boolean): Promise<WebgpuStart> {
  if (started && tf.findBackend('webgpu')) {
    if (!allowSoftware && started.adapter.software) {
      throw new WebgpuUnavailable(`software adapter (${started.adapter.softwareReason})`, 'force it with ATTUNE_BACKEND=webgpu', started.adapter);
    }
    if (!(await tf.setBackend('webgpu'))) throw new WebgpuUnavailable("tf.setBackend('webgpu') returned false", 'reinstall @tensorflow/tfjs-backend-webgpu');
    return started;
  }
  const found = await findAdapter(loader);
  if (!('adapter' in found)) throw new WebgpuUnavailable(found.reason, found.advice);
  const report = found.report;
  if (report.software && !allowSoftware) {
    throw new WebgpuUnavailable(
      `only a software adapter was found (${report.vendor} ${report.architecture}: ${report.softwareReason}); it is slower than the CPU backends, so it is not chosen automatically`,
      "install your GPU's driver for a hardware adapter, or force this one with ATTUNE_BACKEND=webgpu (for testing)",
      report,
    );
  }
  installNavigatorGpu(found.gpu, found.globals);
  let mod: { WebGPUBackend: new (device: GPUDevice, info?: GPUAdapterInfo) => tf.KernelBackend; version_webgpu?: string };
  try {
    mod = (await loader('@tensorflow/tfjs-backend-webgpu')) as typeof mod;
  } catch (err) {
    throw new WebgpuUnavailable(
      `@tensorflow/tfjs-backend-webgpu failed to load: ${(err as Error)?.message?.split('\n')[0] ?? String(err)}`,
      'install it with `npm install @tensorflow/tfjs-backend-webgpu@4.22.0` (the same version as @tensorflow/tfjs-core)',
      report,
    );
  }
  patchReadSync(mod.WebGPUBackend.prototype as unknown as { readSync: (dataId: object) => unknown });
  if (!tf.getKernel('Conv2DBackpropFilter', 'webgpu')) {
    throw new WebgpuUnavailable(
      '@tensorflow/tfjs-backend-webgpu registered no kernels with this copy of tfjs-core',
      'make sure @tensorflow/tfjs-core and @tensorflow/tfjs-backend-webgpu have the same version (npm ls @tensorflow/tfjs-core)',
      report,
    );
  }
  // replace the package's own factory (which asks navigator.gpu again) with one on this adapter
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  const adapter = found.adapter;
  tf.registerBackend(
    'webgpu',
    async () => {
      const device = await adapter.requestDevice(deviceDescriptor(adapter));
      return new mod.WebGPUBackend(device, (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info);
    },
    // below cpu/wasm: webgpu is only ever entered by name
    -1,
  );
  let ok = false;
  try {
    ok = await tf.setBackend('webgpu');
  } catch (err) {
    throw new WebgpuUnavailable(`the webgpu device could not be created: ${(err as Error)?.message ?? String(err)}`, 'update the GPU driver', report);
  }
  if (!ok) throw new WebgpuUnavailable('the webgpu device could not be created (tf.setBackend returned false)', 'update the GPU driver', report);
  started = { adapter: report, version: mod.version_webgpu ?? tf.version_core, routedKernels: checkWebgpuKernels() };
  return started;
}
