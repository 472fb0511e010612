/**
 * The webgpu backend: software adapters are recognised and never chosen automatically, a
 * hardware one is chosen after tfjs-node-gpu; on the real Dawn + SwiftShader adapter a forced
 * webgpu starts, `attune doctor --json` reports the adapter, a synchronous read of GPU data
 * fails with a message that says what to do, and a kernel webgpu lacks runs on cpu.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { noAdapterAdvice, softwareAdapterReason, type WebgpuAdapterReport } from '../../../src/engine/backend/webgpu-adapter';
import { selectBackend, type WebgpuStarter } from '../../../src/engine/backend/select';
import { initBackend } from '../../../src/engine/backend/index';
import { SYNC_READ_MESSAGE } from '../../../src/engine/backend/webgpu';
import { requireWebgpu, webgpuChildEnv } from './webgpu-env';

const run = promisify(execFile);

function adapter(over: Partial<WebgpuAdapterReport>): WebgpuAdapterReport {
  const base = { vendor: 'nvidia', architecture: 'ampere', device: '', description: 'NVIDIA: 550.54', isFallbackAdapter: false, ...over };
  const softwareReason = softwareAdapterReason(base);
  return { ...base, software: !!softwareReason, ...(softwareReason ? { softwareReason } : {}), limits: { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31 } };
}

const notInstalled = async (name: string) => {
  throw Object.assign(new Error(`Cannot find package '${name}' imported from /app/engine.js`), { code: 'ERR_MODULE_NOT_FOUND' });
};
const fakeWasm = async () => ({ threads: 1, trainingKernels: [], version: '4.22.0' });

describe('software adapters', () => {
  it('recognises SwiftShader, lavapipe/llvmpipe, WARP and Dawn fallbacks; not a hardware GPU', () => {
    expect(softwareAdapterReason({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' })).toContain('swiftshader');
    expect(softwareAdapterReason({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toContain('llvmpipe');
    expect(softwareAdapterReason({ description: 'lavapipe' })).toContain('lavapipe');
    expect(softwareAdapterReason({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' })).toContain('Basic Render');
    expect(softwareAdapterReason({ vendor: 'intel', description: 'x', isFallbackAdapter: true })).toContain('fallback');
    expect(softwareAdapterReason({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3060' })).toBeUndefined();
    expect(softwareAdapterReason({ vendor: 'apple', architecture: 'metal-3', description: 'Apple M2' })).toBeUndefined();
  });

  it('says what to install when there is no adapter', () => {
    const linux = noAdapterAdvice('linux', { LD_LIBRARY_PATH: '/nonexistent' });
    expect(linux.advice).toMatch(/libvulkan1|Vulkan driver/);
    expect(noAdapterAdvice('win32').advice).toContain('driver');
    expect(noAdapterAdvice('darwin').reason).toContain('Metal');
  });
});

describe('selection with webgpu', () => {
  it('chooses a hardware adapter after tfjs-node-gpu and before tfjs-node', async () => {
    const startWebgpu: WebgpuStarter = async () => ({ adapter: adapter({}), version: '4.22.0', routedKernels: [] });
    const r = await selectBackend({ loader: notInstalled, startWasm: fakeWasm, startWebgpu });
    expect(r.attempts.map((a) => [a.name, a.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['webgpu', true],
    ]);
    expect(r.kind).toBe('gpu');
    expect(r.adapter?.vendor).toBe('nvidia');
  });

  it('refuses a software adapter automatically, records it and why, and uses the next backend', async () => {
    const sw = adapter({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true });
    const seen: boolean[] = [];
    const startWebgpu: WebgpuStarter = async (allowSoftware) => {
      seen.push(allowSoftware);
      throw Object.assign(new Error('software'), { reason: 'only a software adapter was found', advice: 'force it with ATTUNE_BACKEND=webgpu', adapter: sw });
    };
    const r = await selectBackend({ loader: notInstalled, startWasm: fakeWasm, startWebgpu });
    expect(seen).toEqual([false]);
    expect(r.kind).toBe('wasm');
    expect(r.attempts.map((a) => [a.name, a.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['webgpu', false],
      ['tensorflow', false],
      ['wasm', true],
    ]);
    expect(r.attempts[1].reason).toContain('software');
    expect(r.adapter?.architecture).toBe('swiftshader');
  });

  it('a forced webgpu allows a software adapter; ATTUNE_BACKEND=webgpu forces it', async () => {
    const startWebgpu: WebgpuStarter = async (allowSoftware) => {
      expect(allowSoftware).toBe(true);
      return { adapter: adapter({ architecture: 'swiftshader' }), version: '4.22.0', routedKernels: [] };
    };
    const r = await selectBackend({ force: 'webgpu', startWasm: fakeWasm, startWebgpu });
    expect(r.kind).toBe('software-gpu');
    expect(r.selection).toBe('forced');
    expect(r.attempts).toHaveLength(1);
  });
});

const haveAdapter = await requireWebgpu('webgpu backend');

describe.skipIf(!haveAdapter)('webgpu on the real Dawn adapter', () => {
  it('automatic selection refuses the software adapter and reports it; a forced one trains', { timeout: 240_000 }, async () => {
    process.env.ATTUNE_WEBGPU_AUTO = '1'; // webgpu joins the automatic order only on request
    const auto = await initBackend({ loader: (name) => (name.startsWith('@tensorflow/tfjs-node') ? notInstalled(name) : import(name)) }).finally(() => {
      delete process.env.ATTUNE_WEBGPU_AUTO;
    });
    expect(auto.backend).toBe('wasm');
    expect(auto.attempts.find((a) => a.name === 'webgpu')).toMatchObject({ ok: false });
    expect(auto.adapter?.software).toBe(true);

    const forced = await initBackend({ force: 'webgpu' });
    expect(forced.backend).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(forced.kind).toBe('software-gpu');
    expect(forced.adapter?.limits.maxBufferSize).toBeGreaterThan(0);
    expect(forced.adapter?.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    // every kernel the project registers for wasm exists on webgpu; only string/sparse/NMS ones are routed
    const routed = (forced.routedKernels ?? []).map((k) => k.kernel);
    for (const k of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'MaxPoolGrad', 'CropAndResize', 'Sum', 'Mean']) {
      expect(tf.getKernel(k, 'webgpu'), k).toBeTruthy();
      expect(routed).not.toContain(k);
    }

    // a conv gradient on the device, read asynchronously
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 4) as tf.Tensor4D;
    const g = tf.grad((k: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, k as tf.Tensor4D, 1, 'same'))))(w);
    expect(g.shape).toEqual([3, 3, 3, 4]);
    expect(Array.from(await g.data()).every(Number.isFinite)).toBe(true);

    // synchronous reads of GPU data say what to do instead of "OffscreenCanvas is not defined"
    const sum = tf.add(x, x);
    expect(() => sum.dataSync()).toThrow(SYNC_READ_MESSAGE);
    expect((await sum.data()).length).toBe(2 * 8 * 8 * 3);

    // a kernel webgpu lacks runs on cpu (Unique: host-resident input)
    const { values, indices } = tf.unique(tf.tensor1d([3, 1, 3, 2], 'int32'));
    expect(Array.from(await values.data())).toEqual([3, 1, 2]);
    expect(Array.from(await indices.data())).toEqual([0, 1, 0, 2]);
    tf.dispose([x, w, g, sum, values, indices]);
  });

  it('`ATTUNE_BACKEND=webgpu attune doctor --json` reports the adapter and its limits', { timeout: 240_000 }, async () => {
    const { stdout } = await run('npx', ['attune', 'doctor', '--json'], {
      env: { ...webgpuChildEnv(), ATTUNE_BACKEND: 'webgpu' },
      timeout: 220_000,
      maxBuffer: 4 << 20,
    });
    const report = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(report.backend).toBe('webgpu');
    expect(report.selection).toBe('forced');
    expect(report.adapter).toMatchObject({ software: true });
    expect(report.adapter.vendor.length + report.adapter.architecture.length).toBeGreaterThan(0);
    expect(report.adapter.limits.maxBufferSize).toBeGreaterThan(0);
    expect(report.adapter.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(report.attempts).toEqual([expect.objectContaining({ name: 'webgpu', ok: true })]);
  });
});
