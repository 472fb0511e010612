/**
 * `attune bench data`: images per second of decode-to-cache and of two-view augmentation
 * (224×224 and 64×64) on a generated set of real JPEG files, and the same work done by
 * torchvision/PIL (bench/peer/data_torch.py) in the same run, with the ratios.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { numberFlag, parseFlags, UsageError } from '../args';
import type { CliIo } from '../io';
import { initBackend } from '../../engine/backend/index';
import { DecodePool } from '../../engine/data/decode-pool';
import { measureAugment, measureDecode, writeBenchJpegs } from '../../engine/data/throughput';

export const summary = 'data pipeline throughput: decode-to-cache and two-view augmentation, vs torchvision/PIL';

const USAGE = `usage: attune bench data [--count 300] [--sizes 224,64] [--decoders N] [--no-peer] [--json]
  --count N     JPEG files generated (500×375) and decoded
  --sizes A,B   cache/augmentation resolutions
  --decoders N  decoder processes for decode → cache (default: one per core, at most 4;
                0 decodes in this process)
  --no-peer     skip the PyTorch/PIL peer (bench/peer/data_torch.py, /usr/bin/python3)`;

interface SizeResult {
  size: number;
  decode: number;
  augment: number;
  augmentBatch: number;
  peerDecode?: number;
  peerAugment?: number;
  decodeRatio?: number;
  augmentRatio?: number;
}

export interface DataBenchResult {
  backend: string;
  threads?: number;
  /** decoder processes used for decode → cache (0: in this process) */
  decoders: number;
  files: number;
  sizes: SizeResult[];
  peer?: { threads: number; versions: Record<string, string> } | { error: string };
}

interface PeerOutput {
  decode: Record<string, number>;
  augment: Record<string, number>;
  threads: number;
  versions: Record<string, string>;
}

function runPeer(dir: string, sizes: number[], augmentCount: number, stage: 'decode' | 'augment'): Promise<PeerOutput> {
  const python = process.env.ATTUNE_PYTHON ?? '/usr/bin/python3';
  const script = fileURLToPath(new URL('../../../bench/peer/data_torch.py', import.meta.url));
  if (!existsSync(python)) return Promise.reject(new Error(`${python} not found (apt-get install python3-torch python3-torchvision, or set ATTUNE_PYTHON)`));
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script, '--dir', dir, '--sizes', sizes.join(','), '--augment-count', String(augmentCount), '--repeat', '1', '--stage', stage], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => reject(new Error(`could not start ${python}: ${e.message}`)));
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`data_torch.py exited with ${code}: ${err.trim().split('\n').pop() ?? ''}`));
      try {
        resolve(JSON.parse(last) as PeerOutput);
      } catch {
        reject(new Error(`data_torch.py printed no JSON: ${last.slice(0, 200)}`));
      }
    });
  });
}

/** Formats the result as a table. */
export function formatDataBench(r: DataBenchResult): string {
  const decoding = r.decoders ? `decoding in ${r.decoders} process${r.decoders > 1 ? 'es' : ''}` : 'decoding in-process';
  const lines = [`Data pipeline on ${r.backend}${r.threads ? ` (${r.threads} threads)` : ''}, ${decoding}, ${r.files} JPEG files 500×375; images/s`, ''];
  const f = (v?: number) => (v === undefined ? '—' : v.toFixed(0)).padStart(9);
  const ratio = (v?: number) => (v === undefined ? '—' : `${v.toFixed(2)}×`).padStart(8);
  lines.push(`${'size'.padEnd(6)}${'stage'.padEnd(22)}${'attune'.padStart(9)}${'torch/PIL'.padStart(11)}${'ratio'.padStart(8)}`);
  for (const s of r.sizes) {
    lines.push(`${String(s.size).padEnd(6)}${'decode → cache'.padEnd(22)}${f(s.decode)}  ${f(s.peerDecode)}${ratio(s.decodeRatio)}`);
    lines.push(`${''.padEnd(6)}${`2 views (batch ${s.augmentBatch})`.padEnd(22)}${f(s.augment)}  ${f(s.peerAugment)}${ratio(s.augmentRatio)}`);
  }
  if (r.peer && 'error' in r.peer) lines.push('', `peer not run: ${r.peer.error}`);
  else if (r.peer) lines.push('', `peer: torch ${r.peer.versions.torch}, torchvision ${r.peer.versions.torchvision}, PIL ${r.peer.versions.PIL}, ${r.peer.threads} torch thread(s), one process`);
  return lines.join('\n');
}

/** Runs the benchmark; prints a table, or one JSON object with --json. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, {
    count: { type: 'string' },
    sizes: { type: 'string' },
    decoders: { type: 'string' },
    'no-peer': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return io.out(USAGE), 0;
  const count = numberFlag(values.count, 'count', 300);
  if (!(Number.isInteger(count) && count >= 8)) throw new UsageError('--count must be a whole number ≥ 8');
  const sizes = (values.sizes ?? '224,64').split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => !(Number.isInteger(s) && s >= 8 && s <= 512))) throw new UsageError(`--sizes must be whole numbers in 8..512, got "${values.sizes}"`);
  const decoders = values.decoders === undefined ? undefined : numberFlag(values.decoders, 'decoders', 0);
  if (decoders !== undefined && !(Number.isInteger(decoders) && decoders >= 0 && decoders <= 64)) throw new UsageError('--decoders must be a whole number in 0..64');
  const pool = decoders === 0 ? null : new DecodePool({ workers: decoders });
  const dir = await mkdtemp(join(tmpdir(), 'attune-bench-data-'));
  const log = (s: string) => { if (!values.json) io.err(s); };
  try {
    log(`writing ${count} JPEG files…`);
    const files = await writeBenchJpegs(join(dir, 'jpeg'), count);
    const result: DataBenchResult = { backend: '', decoders: pool?.size ?? 0, files: count, sizes: [] };
    const augmentCount = Math.min(count, 256);
    const peerEnabled = !values['no-peer'];
    let peerInfo: PeerOutput | undefined;
    let peerError: string | undefined;
    // The machine may be shared: each measurement runs several times (decoding 3, augmentation
    // 2), Attune and the peer taking turns, and the best of each side is kept.
    const peer = async (size: number, stage: 'decode' | 'augment'): Promise<number | undefined> => {
      if (!peerEnabled || peerError) return undefined;
      try {
        peerInfo = await runPeer(join(dir, 'jpeg'), [size], augmentCount, stage);
        return peerInfo[stage][String(size)];
      } catch (e) {
        peerError = (e as Error).message;
        return undefined;
      }
    };
    const best = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
    const cacheDir = (size: number) => join(dir, `cache-${size}`);
    // decoding first, before the tensor backend starts: its start-up keeps compiling
    // WebAssembly in the background for a while, which has nothing to do with decoding
    for (const size of sizes) {
      const s: SizeResult = { size, decode: 0, augment: 0, augmentBatch: Math.min(size >= 160 ? 32 : 128, count) };
      for (let round = 0; round < 3; round++) {
        log(`decode → cache at ${size}, round ${round + 1}…`);
        s.decode = Math.max(s.decode, await measureDecode(files, cacheDir(size), size, { decoder: pool ?? 'here' }));
        s.peerDecode = best(s.peerDecode, await peer(size, 'decode'));
      }
      s.decodeRatio = s.peerDecode ? s.decode / s.peerDecode : undefined;
      result.sizes.push(s);
    }
    await pool?.close();
    const report = await initBackend();
    result.backend = tf.getBackend();
    result.threads = (report as { threads?: number }).threads;
    for (const s of result.sizes) {
      for (let round = 0; round < 2; round++) {
        log(`augmentation at ${s.size}, round ${round + 1}…`);
        s.augment = Math.max(s.augment, await measureAugment(cacheDir(s.size), augmentCount, s.augmentBatch, 'byol', round));
        s.peerAugment = best(s.peerAugment, await peer(s.size, 'augment'));
      }
      s.augmentRatio = s.peerAugment ? s.augment / s.peerAugment : undefined;
    }
    if (peerError) result.peer = { error: peerError };
    else if (peerInfo) result.peer = { threads: peerInfo.threads, versions: peerInfo.versions };
    io.out(values.json ? JSON.stringify(result) : formatDataBench(result));
    return 0;
  } finally {
    await pool?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
