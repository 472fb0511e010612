/**
 * Attune on webgpu against PyTorch on CUDA, same model, batch, size and step, in one command,
 * for a Linux machine with an NVIDIA GPU and its Vulkan driver and no network:
 *
 *   npx tsx bench/gpu/run.ts                       # small-resnet 32 px b64, resnet50 224 px b32
 *   npx tsx bench/gpu/run.ts --quick --allow-software --torch-device cpu   # smoke test without a GPU
 *
 * Needs Node with this checkout's node_modules (the `webgpu` package carries Dawn) and python3
 * with torch (CUDA build for --torch-device cuda). Prints progress to stderr and one JSON object
 * to stdout: the adapter, and per model both throughputs and attune/torch. It refuses a software
 * adapter (SwiftShader, lavapipe) unless --allow-software, so a missing driver cannot pass for
 * a GPU result. `--out FILE` also writes the JSON there.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend } from '../../src/engine/backend/index';
import { benchTrain } from '../../src/engine/backend/train-bench';

interface Setting {
  model: string;
  size: number;
  batch: number;
  steps: number;
  warmup: number;
}

const FULL: Setting[] = [
  { model: 'small-resnet', size: 32, batch: 64, steps: 20, warmup: 3 },
  { model: 'resnet50', size: 224, batch: 32, steps: 10, warmup: 3 },
];

/** The same two models at a size a CPU-emulated adapter finishes in a minute or two. */
const QUICK: Setting[] = [
  { model: 'small-resnet', size: 16, batch: 4, steps: 2, warmup: 1 },
  { model: 'resnet50', size: 32, batch: 2, steps: 1, warmup: 1 },
];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    'allow-software': { type: 'boolean' },
    'torch-device': { type: 'string', default: 'cuda' },
    python: { type: 'string', default: process.env.ATTUNE_PYTHON ?? 'python3' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: npx tsx bench/gpu/run.ts [--quick] [--allow-software] [--torch-device cuda|cpu] [--python PATH] [--out FILE]');
  process.exit(0);
}
const torchDevice = values['torch-device']!;
if (torchDevice !== 'cuda' && torchDevice !== 'cpu') throw new Error(`--torch-device must be cuda or cpu, got ${torchDevice}`);
const log = (s: string) => process.stderr.write(`[bench/gpu] ${s}\n`);
const sig = (n: number, d = 4) => Number(n.toPrecision(d));

/** Runs the PyTorch peer for one setting; returns its JSON line. */
function torchPeer(s: Setting): Record<string, unknown> & { imagesPerSecond: number } {
  const script = fileURLToPath(new URL('./torch_peer.py', import.meta.url));
  const args = [script, '--device', torchDevice, '--model', s.model, '--size', String(s.size), '--batch', String(s.batch), '--steps', String(s.steps), '--warmup', String(s.warmup)];
  const r = spawnSync(values.python!, args, { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.error) throw new Error(`could not start ${values.python}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`PyTorch peer failed (${s.model}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const report = await initBackend({ force: 'webgpu' });
  const adapter = report.adapter!;
  log(`webgpu adapter: ${adapter.vendor} / ${adapter.architecture} / ${adapter.description}${adapter.software ? ' (software)' : ''}`);
  if (adapter.software && !values['allow-software']) {
    throw new Error(
      `only a software adapter is available (${adapter.softwareReason}); its numbers say nothing about a GPU. ` +
        'Install the NVIDIA driver with its Vulkan ICD (check `vulkaninfo --summary`) or pass --allow-software for a smoke test',
    );
  }
  const results: Record<string, unknown>[] = [];
  for (const s of values.quick ? QUICK : FULL) {
    log(`pytorch ${torchDevice}: ${s.model} ${s.size}px batch ${s.batch}, ${s.steps} steps`);
    const torch = torchPeer(s);
    log(`attune webgpu: ${s.model} ${s.size}px batch ${s.batch}, ${s.steps} steps`);
    const mine = await benchTrain({ arch: s.model, size: s.size, batch: s.batch, steps: s.steps, warmup: s.warmup });
    results.push({
      ...s,
      attune: { imagesPerSecond: sig(mine.imagesPerSecond), stepMsMedian: sig(mine.stepMsMedian), backend: mine.backend, lastLoss: sig(mine.lastLoss) },
      torch: { imagesPerSecond: sig(torch.imagesPerSecond), stepMsMedian: sig(Number(torch.stepMsMedian)), device: torch.device, deviceName: torch.deviceName, version: torch.version, precision: torch.precision },
      ratio: sig(mine.imagesPerSecond / torch.imagesPerSecond, 3),
    });
  }
  const out = {
    bench: 'attune webgpu vs pytorch',
    quick: !!values.quick,
    machine: { platform: `${process.platform}-${process.arch}`, cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.versions.node },
    adapter,
    versions: report.versions,
    torchDevice,
    results,
    seconds: Math.round((Date.now() - t0) / 1000),
  };
  const json = JSON.stringify(out, null, 2);
  if (values.out) writeFileSync(values.out, json + '\n');
  console.log(json);
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
