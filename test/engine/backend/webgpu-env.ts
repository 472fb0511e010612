/**
 * Whether this machine can run the webgpu tests: Dawn must find an adapter. Where Debian's
 * chromium is installed and VK_ICD_FILENAMES is unset, its SwiftShader ICD is used (set before
 * Dawn creates its Vulkan instance). With no adapter the tests skip with the reason printed,
 * except under CI=true, where `requireWebgpu` makes them fail: CI installs what is needed
 * (a Vulkan loader, `libvulkan1`, and chromium's SwiftShader ICD).
 */
import { existsSync } from 'node:fs';
import { it } from 'vitest';
import { findAdapter } from '../../../src/engine/backend/webgpu-adapter';

/** Chromium's SwiftShader Vulkan ICD on Debian. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

/** The environment a child process needs to see the same adapter. */
export function webgpuChildEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ...(process.env.VK_ICD_FILENAMES ? { VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES } : {}) };
}

/** Probes Dawn once: ok, or why not. */
export async function probeWebgpu(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const found = await findAdapter((name) => import(name));
  if ('adapter' in found) return { ok: true };
  return { ok: false, reason: `${found.reason} (${found.advice})` };
}

/**
 * Registers, when there is no adapter, one test that fails under CI=true and otherwise
 * prints why the webgpu tests are skipped. Returns whether the webgpu tests can run.
 */
export async function requireWebgpu(suite: string): Promise<boolean> {
  const probe = await probeWebgpu();
  if (probe.ok) return true;
  if (process.env.CI === 'true') {
    it(`${suite}: a WebGPU adapter is available (required under CI=true)`, () => {
      throw new Error(`no WebGPU adapter under CI: ${probe.reason}. Install libvulkan1 and chromium, set VK_ICD_FILENAMES=${SWIFTSHADER_ICD}`);
    });
  } else {
    console.warn(`[webgpu] skipping ${suite}: ${probe.reason}`);
  }
  return false;
}
