/**
 * `attune run` as a real process, killed with SIGKILL after its first checkpoint: the next
 * `attune runs` finds the run interrupted, and `attune resume` finishes it (last line JSON).
 */
import { describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ProjectStore } from '../../src/main/store/project-store';

const FM = '/usr/share/datasets/fashion-mnist';
const bin = resolve(__dirname, '..', '..', 'bin', 'attune.mjs');

function checkpoints(dir: string): string[] {
  const runs = join(dir, 'runs');
  if (!existsSync(runs)) return [];
  return readdirSync(runs).flatMap((r) => readdirSync(join(runs, r)).filter((f) => f.endsWith('.safetensors')));
}

describe.skipIf(!existsSync(`${FM}/t10k-images-idx3-ubyte.gz`))('attune run / resume across a kill -9', () => {
  it('marks the killed run interrupted and resumes it to completion', async () => {
    const root = mkdtempSync(join(tmpdir(), 'attune-kill-'));
    const dir = join(root, 'project');
    ProjectStore.create(dir, 'kill').close();
    const env = { ...process.env, ATTUNE_HOME: join(root, 'home') };
    writeFileSync(join(root, 'tiny.yaml'), `name: killed
recipe: scratch
backbone: { arch: small-resnet, weights: null, config: { widths: [8, 16], blocks: 1 } }
data:
  idx: { images: ${FM}/t10k-images-idx3-ubyte.gz, labels: ${FM}/t10k-labels-idx1-ubyte.gz, classes: [1, 3], limit: 64 }
  size: 16
batchSize: 8
checkpointEvery: 1
logEvery: 1
stages:
  finetune: { epochs: 4, maxStepsPerEpoch: 3 }
`);
    const child = spawn(process.execPath, [bin, 'run', join(root, 'tiny.yaml'), '--project', dir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let gone = false;
    const exited = new Promise<void>((r) => child.on('exit', () => ((gone = true), r())));
    // generous: three processes start (CLI, engine, resume) and a loaded CI machine is slow at it
    const deadline = Date.now() + 300_000;
    while (checkpoints(dir).length === 0 && !gone && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(checkpoints(dir).length, out).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await exited;
    const run = promisify(execFile);
    const listed = JSON.parse((await run(process.execPath, [bin, 'runs', '--project', dir, '--json'], { env, timeout: 120_000 })).stdout);
    expect(listed).toHaveLength(1);
    expect(listed[0].status).toBe('interrupted');
    const resumed = await run(process.execPath, [bin, 'resume', listed[0].id.slice(0, 8), '--project', dir, '--json'], { env, timeout: 300_000 });
    const last = JSON.parse(resumed.stdout.trim().split('\n').at(-1)!);
    expect(last.status).toBe('completed');
    expect(last.result.plain.accuracy).toBeGreaterThanOrEqual(0);
    const store = ProjectStore.open(dir);
    try {
      const steps = store.metrics.series(listed[0].id).filter((p) => p.name === 'train_loss').map((p) => p.step);
      expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    } finally {
      store.close();
    }
  }, 600_000);
});
