/**
 * Backend selection with stand-in native modules that fail in each way: not installed, native
 * binding missing, CUDA libraries missing, no GPU visible; and ones that work.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { initBackend, type ModuleLoader } from '../../../src/engine/backend/index';
import { forcedFromEnv } from '../../../src/engine/backend/select';
import { wasmThreadsSupported } from '../../../src/engine/backend/wasm-threads';
import os from 'node:os';

const GPU = '@tensorflow/tfjs-node-gpu';
const NODE = '@tensorflow/tfjs-node';

function notInstalled(name: string): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from /app/engine.js`), { code: 'ERR_MODULE_NOT_FOUND' });
}

function bindingMissing(name: string): Error {
  return new Error(
    `The specified module could not be found.\n/app/node_modules/${name}/lib/napi-v8/tfjs_binding.node: ` +
      'libtensorflow.so.2: cannot open shared object file: No such file or directory',
  );
}

/** A loader whose native packages 'load' by registering a stand-in 'tensorflow' backend. */
function workingNative(usingGpu: boolean, seenEnv: Record<string, string | undefined>): ModuleLoader {
  return async (name) => {
    seenEnv[name] = process.env.TF_FORCE_GPU_ALLOW_GROWTH;
    tf.registerBackend('tensorflow', () => {
      const b = new MathBackendCPU() as MathBackendCPU & { binding: unknown };
      b.binding = { isUsingGpuDevice: () => usingGpu, TF_Version: '2.9.1' };
      return b;
    });
    return { version: { 'tfjs-node': '4.22.0' } };
  };
}

/** The attempt at one backend (webgpu sits between the two native ones). */
function attempt(report: { attempts: { name: string; ok: boolean; reason?: string; advice?: string }[] }, name: string) {
  const a = report.attempts.find((x) => x.name === name);
  if (!a) throw new Error(`no attempt at ${name}: ${JSON.stringify(report.attempts)}`);
  return a;
}

afterEach(() => {
  if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
  delete process.env.ATTUNE_BACKEND;
  delete process.env.ATTUNE_WEBGPU_AUTO;
});

describe('initBackend selection', () => {
  it('falls back to wasm and records why each native backend failed', async () => {
    const loader: ModuleLoader = async (name) => {
      throw name === GPU ? notInstalled(GPU) : bindingMissing(NODE);
    };
    const report = await initBackend({ loader });
    expect(report.backend).toBe('wasm');
    expect(report.kind).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    // webgpu joins the automatic order only with ATTUNE_WEBGPU_AUTO=1 (see the next test)
    expect(report.attempts.map((a) => [a.name, a.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['tensorflow', false],
      ['wasm', true],
    ]);
    expect(report.attempts[0].reason).toContain('not installed');
    expect(report.attempts[0].advice).toContain('npm install @tensorflow/tfjs-node-gpu');
    expect(attempt(report, 'tensorflow').reason).toContain('native binding failed to load');
    expect(attempt(report, 'tensorflow').reason).toContain('libtensorflow.so.2');
    expect(attempt(report, 'tensorflow').advice).toContain('npm rebuild');
    expect(report.trainingKernels).toContain('Conv2DBackpropFilter');
    // the threaded build runs under Node: one XNNPACK thread per core (the build caps at 4)
    const cores = Math.min(4, os.availableParallelism());
    if (wasmThreadsSupported() && !process.env.ATTUNE_WASM_THREADS) expect(report.threads).toBe(cores);
    if (report.threads < os.availableParallelism()) expect(report.threadsNote).toBeTruthy();
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('with ATTUNE_WEBGPU_AUTO=1 webgpu is tried between the two native backends', async () => {
    process.env.ATTUNE_WEBGPU_AUTO = '1';
    const loader: ModuleLoader = async (name) => {
      throw name === GPU ? notInstalled(GPU) : bindingMissing(name);
    };
    const report = await initBackend({ loader });
    expect(report.backend).toBe('wasm');
    expect(report.attempts.map((a) => [a.name, a.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['webgpu', false],
      ['tensorflow', false],
      ['wasm', true],
    ]);
  });

  it('an installed package whose addon is missing is a binding failure, not "not installed"', async () => {
    const loader: ModuleLoader = async (name) => {
      throw Object.assign(
        new Error(
          `The Node.js native addon module (tfjs_binding.node) can not be found at path: /app/node_modules/${name}/lib/napi-v8/tfjs_binding.node.\n` +
            `Please run command 'npm rebuild ${name} --build-addon-from-source' to rebuild the native addon module.`,
        ),
        { code: 'MODULE_NOT_FOUND' },
      );
    };
    const report = await initBackend({ loader });
    expect(attempt(report, 'tensorflow').reason).toContain('native binding failed to load');
    expect(attempt(report, 'tensorflow').reason).toContain('tfjs_binding.node');
    expect(attempt(report, 'tensorflow').advice).toContain('npm rebuild @tensorflow/tfjs-node');
  });

  it('names the missing CUDA library', async () => {
    const loader: ModuleLoader = async (name) => {
      if (name === GPU) throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
      throw notInstalled(name);
    };
    const report = await initBackend({ loader });
    expect(report.attempts[0].reason).toContain('libcudart.so.11.0');
    expect(report.attempts[0].advice).toContain('CUDA 11.2');
    expect(report.backend).toBe('wasm');
  });

  it('records "no GPU visible" and uses the native CPU build, with allow-growth set before loading', async () => {
    const seen: Record<string, string | undefined> = {};
    delete process.env.TF_FORCE_GPU_ALLOW_GROWTH;
    const report = await initBackend({ loader: workingNative(false, seen) });
    expect(seen[GPU]).toBe('true');
    expect(report.attempts[0]).toMatchObject({ name: 'tensorflow-gpu', ok: false });
    expect(report.attempts[0].reason).toContain('no GPU visible');
    expect(attempt(report, 'tensorflow')).toMatchObject({ name: 'tensorflow', ok: true });
    expect(report.kind).toBe('native-cpu');
    expect(report.backend).toBe('tensorflow');
    expect(report.versions['libtensorflow']).toBe('2.9.1');
  });

  it('uses the GPU when one is visible', async () => {
    const report = await initBackend({ loader: workingNative(true, {}) });
    expect(report.kind).toBe('gpu');
    expect(report.attempts).toEqual([{ name: 'tensorflow-gpu', ok: true }]);
  });

  it('a forced backend that fails is an error naming it and the reason, not a silent fallback', async () => {
    process.env.ATTUNE_BACKEND = 'node';
    const loader: ModuleLoader = async () => {
      throw bindingMissing(NODE);
    };
    await expect(initBackend({ loader })).rejects.toThrow(/requested backend 'tensorflow'.*libtensorflow/);
  });

  it('ATTUNE_BACKEND=wasm skips the native packages', async () => {
    process.env.ATTUNE_BACKEND = 'wasm';
    const loader: ModuleLoader = async () => {
      throw new Error('must not be called');
    };
    const report = await initBackend({ loader });
    expect(report.selection).toBe('forced');
    expect(report.attempts).toEqual([{ name: 'wasm', ok: true }]);
  });

  it('rejects an unknown ATTUNE_BACKEND value with a clear message', () => {
    expect(() => forcedFromEnv({ ATTUNE_BACKEND: 'cuda' })).toThrow(/ATTUNE_BACKEND='cuda' is not one of gpu, webgpu, node, wasm/);
    expect(forcedFromEnv({ ATTUNE_BACKEND: 'gpu' })).toBe('tensorflow-gpu');
    expect(forcedFromEnv({})).toBeUndefined();
  });

  it('with the real module loader, reports the real reason the native packages do not load here', async () => {
    const report = await initBackend();
    const again = await initBackend();
    expect(again).toBe(report); // idempotent
    expect(report.backend).toBe('wasm');
    for (const a of report.attempts.filter((x) => !x.ok)) {
      expect(a.reason && a.reason.length).toBeGreaterThan(10);
      expect(a.advice && a.advice.length).toBeGreaterThan(10);
    }
  });
});
