/**
 * Finds a WebGPU adapter through Dawn (the `webgpu` package: Vulkan, Metal or D3D12) and
 * describes it: vendor, architecture, description, driver, the limits that matter for
 * training, and whether it is a software rasteriser (SwiftShader, lavapipe, WARP), which is
 * never chosen automatically. Where no adapter is found, says what to install.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** What the report records about an adapter. JSON-serialisable. */
export interface WebgpuAdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** the driver, where Dawn names it (on Vulkan it is part of the description) */
  driver?: string;
  /** Dawn's own flag for a CPU-emulated adapter */
  isFallbackAdapter: boolean;
  /** a CPU emulating a GPU: correct but slower than wasm, so never picked automatically */
  software: boolean;
  /** what gave the software adapter away */
  softwareReason?: string;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

/** A found adapter with the live objects needed to create the backend. */
export interface FoundAdapter {
  report: WebgpuAdapterReport;
  adapter: GPUAdapter;
  /** Dawn's globals (GPUBufferUsage, GPUMapMode, …) that tfjs-backend-webgpu reads from globalThis */
  globals: Record<string, unknown>;
  gpu: GPU;
}

/** Why no adapter could be used, and what to do about it. */
export interface AdapterFailure {
  reason: string;
  advice: string;
}

/** Loads a module by name; the same loader selection uses, so tests can stand in for Dawn. */
export type AdapterModuleLoader = (name: string) => Promise<unknown>;

const SOFTWARE = /swiftshader|lavapipe|llvmpipe|softpipe|\bwarp\b|basic render|software/i;

/** Decides whether an adapter is a software rasteriser; returns the giveaway, or undefined for hardware. */
export function softwareAdapterReason(info: Partial<Omit<WebgpuAdapterReport, 'limits' | 'software'>>): string | undefined {
  for (const key of ['architecture', 'vendor', 'device', 'description'] as const) {
    const value = info[key];
    const m = typeof value === 'string' ? value.match(SOFTWARE) : null;
    if (m) return `${key} '${value}' names a software rasteriser (${m[0]})`;
  }
  if (info.isFallbackAdapter) return 'Dawn marks it as a fallback (CPU) adapter';
  return undefined;
}

/** Where the Vulkan loader would be looked for on Linux (the system's folders plus LD_LIBRARY_PATH). */
function vulkanLoaderPresent(env: NodeJS.ProcessEnv): boolean {
  const dirs = [
    ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/lib/x86_64-linux-gnu',
  ];
  return dirs.some((d) => existsSync(path.join(d, 'libvulkan.so.1')));
}

/** What to install when Dawn returns no adapter, for this platform. */
export function noAdapterAdvice(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): AdapterFailure {
  if (platform === 'linux') {
    if (!vulkanLoaderPresent(env)) {
      return {
        reason: 'no WebGPU adapter: the Vulkan loader (libvulkan.so.1) is not installed',
        advice:
          'install the Vulkan loader (Debian/Ubuntu: `apt-get install libvulkan1`; Fedora: `vulkan-loader`) and your GPU vendor\'s ' +
          'Vulkan driver (NVIDIA: the proprietary driver includes it; AMD/Intel: `mesa-vulkan-drivers`)',
      };
    }
    return {
      reason: 'no WebGPU adapter: the Vulkan loader is there but no Vulkan driver offered a usable GPU',
      advice:
        "install your GPU vendor's Vulkan driver (NVIDIA: the proprietary driver; AMD/Intel: `mesa-vulkan-drivers`) " +
        'and check it with `vulkaninfo --summary`; in a container, pass the GPU and the driver\'s ICD file in',
    };
  }
  if (platform === 'win32') {
    return { reason: 'no WebGPU adapter: no Direct3D 12 GPU found', advice: "install or update your GPU vendor's driver (Direct3D 12 feature level 11.0 or newer)" };
  }
  if (platform === 'darwin') {
    return { reason: 'no WebGPU adapter: no Metal GPU found', advice: 'WebGPU needs macOS 10.15 or newer with a Metal GPU' };
  }
  return { reason: `no WebGPU adapter on ${platform}`, advice: 'the webgpu package ships Dawn for linux-x64, win32-x64 and darwin only' };
}

function driverOf(info: { description?: string; driver?: string }): string | undefined {
  if (typeof info.driver === 'string' && info.driver) return info.driver;
  // Dawn has no driver field; on Vulkan the description is the driver's name and version
  return info.description && /driver/i.test(info.description) ? info.description : undefined;
}

/** Turns Dawn's adapter into the report's description of it. */
export function describeAdapter(adapter: GPUAdapter): WebgpuAdapterReport {
  const info = (adapter as GPUAdapter & { info?: Record<string, unknown> }).info ?? {};
  const str = (k: string) => (typeof info[k] === 'string' ? (info[k] as string) : '');
  const base = {
    vendor: str('vendor'),
    architecture: str('architecture'),
    device: str('device'),
    description: str('description'),
    isFallbackAdapter: info.isFallbackAdapter === true || (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter === true,
  };
  const softwareReason = softwareAdapterReason(base);
  const driver = driverOf({ description: base.description, driver: str('driver') });
  return {
    ...base,
    ...(driver ? { driver } : {}),
    software: softwareReason !== undefined,
    ...(softwareReason ? { softwareReason } : {}),
    limits: { maxBufferSize: adapter.limits.maxBufferSize, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize },
  };
}

interface DawnModule {
  create: (flags: string[]) => GPU;
  globals: Record<string, unknown>;
}

let dawn: { gpu: GPU; globals: Record<string, unknown> } | undefined;

/**
 * Loads Dawn and asks it for a high-performance adapter. Returns the adapter and its report,
 * or why there is none and what to install. Dawn's instance is created once per process.
 */
export async function findAdapter(loader: AdapterModuleLoader, platform: NodeJS.Platform = process.platform): Promise<FoundAdapter | AdapterFailure> {
  if (!dawn) {
    let mod: DawnModule;
    try {
      const loaded = (await loader('webgpu')) as DawnModule & { default?: DawnModule };
      mod = typeof loaded.create === 'function' ? loaded : (loaded.default as DawnModule);
      if (typeof mod?.create !== 'function') throw new Error("the 'webgpu' module has no create()");
    } catch (err) {
      const message = String((err as Error)?.message ?? err).split('\n')[0];
      const missing = /Cannot find (package|module) 'webgpu'/.test(message);
      return {
        reason: missing ? "the 'webgpu' package (Dawn for Node) is not installed" : `Dawn (the 'webgpu' package) failed to load: ${message}`,
        advice: missing
          ? 'install it with `npm install webgpu` (prebuilt for linux-x64, win32-x64 and macOS; nothing is downloaded at install)'
          : `reinstall the 'webgpu' package; it ships no binary for ${process.platform}-${process.arch} if that is the cause`,
      };
    }
    dawn = { gpu: mod.create([]), globals: mod.globals ?? {} };
  }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await dawn.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { reason: `Dawn's requestAdapter failed: ${(err as Error)?.message ?? String(err)}`, advice: noAdapterAdvice(platform).advice };
  }
  if (!adapter) return noAdapterAdvice(platform);
  return { report: describeAdapter(adapter), adapter, globals: dawn.globals, gpu: dawn.gpu };
}
