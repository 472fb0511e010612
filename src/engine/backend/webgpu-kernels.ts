/**
 * Kernel coverage of the webgpu backend. Every kernel registered for wasm (tfjs's own plus this
 * project's training kernels) must exist on webgpu; one that tfjs-backend-webgpu lacks is routed
 * to the cpu backend's kernel (inputs copied to host memory and back) with a logged reason, or,
 * where cpu lacks it too, reported as unavailable. tfjs-backend-webgpu 4.22 lacks none the
 * product uses: only string, sparse and NMS kernels (see the report's `routedKernels`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { WASM_GRADIENT_KERNELS } from './kernels/register';
import { reductionConfigs } from './kernels/reductions';

/** A kernel webgpu lacks, and where it went. */
export interface RoutedKernel {
  kernel: string;
  /** 'cpu' when routed there, 'none' when no backend here has it */
  to: 'cpu' | 'none';
  reason: string;
}

/** Kernels this project registers for wasm; webgpu must run all of them. */
export function projectWasmKernelNames(): string[] {
  return [...WASM_GRADIENT_KERNELS.map((k) => k.kernelName), ...reductionConfigs().map((k) => k.kernelName), 'CropAndResize'];
}

let cpu: MathBackendCPU | undefined;

interface DataBackend {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

/**
 * Registers, for webgpu, a kernel that runs the cpu backend's `kernelName` on copies of its
 * inputs. Returns false when cpu has no such kernel. The inputs must be readable synchronously,
 * which on webgpu under Node holds only for data still on the host (Dawn has no blocking read).
 */
export function routeKernelToCpu(kernelName: string): boolean {
  const cpuKernel = tf.getKernel(kernelName, 'cpu');
  if (!cpuKernel) return false;
  if (tf.getKernel(kernelName, 'webgpu')) tf.unregisterKernel(kernelName, 'webgpu');
  tf.registerKernel({
    kernelName,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const gpu = backend as unknown as DataBackend;
      cpu ??= new MathBackendCPU();
      const cpuInputs: Record<string, tf.TensorInfo> = {};
      for (const [name, t] of Object.entries(inputs)) {
        if (t) cpuInputs[name] = cpu.makeTensorInfo(t.shape, t.dtype, gpu.readSync(t.dataId));
      }
      const out = cpuKernel.kernelFunc({ inputs: cpuInputs, attrs, backend: cpu }) as tf.TensorInfo | tf.TensorInfo[];
      const outs = Array.isArray(out) ? out : [out];
      const moved = outs.map((o) => gpu.makeTensorInfo(o.shape, o.dtype, cpu!.readSync(o.dataId) as tf.backend_util.BackendValues));
      for (const t of [...Object.values(cpuInputs), ...outs]) cpu.disposeData(t.dataId, true);
      return Array.isArray(out) ? moved : moved[0];
    },
  });
  return true;
}

/**
 * Compares the kernels registered for wasm with those for webgpu, routes each missing one to
 * cpu where it can (logging why), and returns the list. Call after both backends' packages are imported.
 */
export function checkWebgpuKernels(log: (line: string) => void = (l) => console.warn(l)): RoutedKernel[] {
  const onWebgpu = new Set(tf.getKernelsForBackend('webgpu').map((k) => k.kernelName));
  const wanted = new Set([...tf.getKernelsForBackend('wasm').map((k) => k.kernelName), ...projectWasmKernelNames()]);
  const out: RoutedKernel[] = [];
  for (const kernel of [...wanted].sort()) {
    if (onWebgpu.has(kernel)) continue;
    if (routeKernelToCpu(kernel)) {
      out.push({ kernel, to: 'cpu', reason: `tfjs-backend-webgpu has no ${kernel} kernel; it runs on the cpu backend (inputs copied through host memory)` });
    } else {
      out.push({ kernel, to: 'none', reason: `neither webgpu nor cpu has a ${kernel} kernel (wasm only)` });
    }
  }
  const routed = out.filter((k) => k.to === 'cpu').map((k) => k.kernel);
  if (routed.length) log(`webgpu: tfjs-backend-webgpu lacks ${routed.join(', ')}; routed to the cpu backend`);
  return out;
}
