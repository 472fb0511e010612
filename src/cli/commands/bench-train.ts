/**
 * `attune bench train`: training images per second on the active backend, optionally against
 * the same model, batch and size in PyTorch CPU (bench/peer/train_torch.py) in the same run.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../io';
import { numberFlag, parseFlags, UsageError } from '../args';

export const summary = 'training throughput (images/s) on the active backend, optionally vs PyTorch CPU';

const USAGE = `usage: attune bench train [--model small-resnet|resnet18|resnet50|bit-r50x1] [--size 32] [--batch 64]
                         [--steps 20] [--warmup 2] [--compare-torch] [--threads N] [--torch-threads N]
                         [--backend gpu|webgpu|node|wasm] [--json]`;

const MODELS = ['small-resnet', 'resnet18', 'resnet34', 'resnet50', 'bit-r50x1'];

interface TorchResult {
  imagesPerSecond: number;
  stepMsMedian: number;
  threads: number;
  version: string;
}

/** Runs the PyTorch peer and parses the JSON on its last line. */
function runTorch(args: string[], io: CliIo): Promise<TorchResult> {
  const python = process.env.ATTUNE_PYTHON ?? '/usr/bin/python3';
  const script = fileURLToPath(new URL('../../../bench/peer/train_torch.py', import.meta.url));
  if (!existsSync(python)) {
    return Promise.reject(new UsageError(`--compare-torch needs ${python} with PyTorch (apt-get install python3-torch python3-torchvision, or set ATTUNE_PYTHON)`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => reject(new Error(`could not start ${python}: ${e.message}`)));
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) {
        const why = err.trim().split('\n').slice(-3).join(' | ') || `exit code ${code}`;
        reject(new Error(`PyTorch peer failed (${script}): ${why}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as TorchResult);
      } catch {
        io.err(out);
        reject(new Error(`PyTorch peer printed no JSON result (${script})`));
      }
    });
  });
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/**
 * Rounds to `digits` significant digits, so a slow machine's 0.8 img/s keeps the same relative
 * precision as a fast one's 800 img/s (fixed decimals would leave 0.8 with one digit).
 */
export function significant(n: number, digits: number): number {
  if (!Number.isFinite(n) || n === 0) return n;
  return Number(n.toPrecision(digits));
}

/** Entry of `attune bench train`. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, {
    model: { type: 'string' },
    size: { type: 'string' },
    batch: { type: 'string' },
    steps: { type: 'string' },
    warmup: { type: 'string' },
    threads: { type: 'string' },
    backend: { type: 'string' },
    'torch-threads': { type: 'string' },
    'compare-torch': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const model = values.model ?? 'small-resnet';
  if (!MODELS.includes(model)) throw new UsageError(`--model must be one of ${MODELS.join(', ')}, got "${model}"`);
  const size = numberFlag(values.size, 'size', 32);
  const batch = numberFlag(values.batch, 'batch', 64);
  const steps = numberFlag(values.steps, 'steps', 20);
  const warmup = numberFlag(values.warmup, 'warmup', 2);
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const threads = values.threads === undefined ? undefined : numberFlag(values.threads, 'threads', cores);
  const torchThreads = numberFlag(values['torch-threads'], 'torch-threads', cores);
  for (const [name, v, min] of [['size', size, 8], ['batch', batch, 2], ['steps', steps, 1], ['warmup', warmup, 0]] as const) {
    if (!Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${v}`);
  }

  const { initBackend } = await import('../../engine/backend/index');
  const { forcedFromEnv } = await import('../../engine/backend/select');
  let force: ReturnType<typeof forcedFromEnv>;
  try {
    force = values.backend === undefined ? undefined : forcedFromEnv({ ATTUNE_BACKEND: values.backend });
  } catch {
    throw new UsageError(`--backend must be one of gpu, webgpu, node, wasm, got "${values.backend}"`);
  }
  const { benchTrain } = await import('../../engine/backend/train-bench');
  const report = await initBackend({ ...(threads ? { threads } : {}), ...(force ? { force } : {}) });
  if (!values.json) io.out(`backend ${report.backend} (${report.kind}, ${report.threads} thread${report.threads === 1 ? '' : 's'})`);
  const mine = await benchTrain({ arch: model, size, batch, steps, warmup });
  const line = `attune  ${model} ${size}x${size} batch ${batch}: ${round(mine.imagesPerSecond)} img/s (median step ${round(mine.stepMsMedian)} ms over ${steps} steps)`;
  if (!values.json) io.out(line);

  const result: Record<string, unknown> = {
    attune: significant(mine.imagesPerSecond, 4),
    model,
    size,
    batch,
    steps,
    backend: report.backend,
    threads: report.threads,
    attuneStepMs: round(mine.stepMsMedian, 1),
  };
  if (values['compare-torch']) {
    const torch = await runTorch(
      ['--model', model, '--size', String(size), '--batch', String(batch), '--steps', String(steps), '--warmup', String(warmup), '--threads', String(torchThreads)],
      io,
    );
    const ratio = mine.imagesPerSecond / torch.imagesPerSecond;
    Object.assign(result, { torch: significant(torch.imagesPerSecond, 4), ratio: significant(ratio, 3), torchThreads: torch.threads, torchVersion: torch.version });
    if (!values.json) {
      io.out(`pytorch ${model} ${size}x${size} batch ${batch}: ${round(torch.imagesPerSecond)} img/s (torch ${torch.version}, ${torch.threads} thread${torch.threads === 1 ? '' : 's'})`);
      io.out(`ratio attune/torch: ${significant(ratio, 3)}`);
    }
  }
  if (values.json) io.out(JSON.stringify(result));
  return 0;
}
