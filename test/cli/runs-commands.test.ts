import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/attune';
import { memoryIo } from '../../src/cli/io';
import { ProjectStore } from '../../src/main/store/project-store';

const FM = '/usr/share/datasets/fashion-mnist';
const saved = process.env.ATTUNE_HOME;
afterEach(() => {
  process.env.ATTUNE_HOME = saved;
});

function project(): { dir: string; recipeDir: string } {
  process.env.ATTUNE_HOME = mkdtempSync(join(tmpdir(), 'attune-home-'));
  const root = mkdtempSync(join(tmpdir(), 'attune-cli-runs-'));
  const dir = join(root, 'project');
  ProjectStore.create(dir, 'cli').close();
  return { dir, recipeDir: root };
}

const yaml = (extra = '') => `name: cli tiny
recipe: hpt
backbone: { arch: small-resnet, weights: null, config: { widths: [8, 16], blocks: 1 } }
data:
  idx: { images: ${FM}/t10k-images-idx3-ubyte.gz, labels: ${FM}/t10k-labels-idx1-ubyte.gz, classes: [5, 7, 9], limit: 90 }
  size: 16
batchSize: 8
seeds: [0, 1]
stages:
  pretrain: { steps: 20, queueSize: 64 }
${extra}`;

describe('attune recipes / run / runs', () => {
  it('lists the presets, as text and JSON', async () => {
    const io = memoryIo();
    expect(await main(['recipes'], io)).toBe(0);
    expect(io.stdout[0]).toMatch(/^blog\s+Blog/);
    for (const name of ['hpt-bn', 'hpt-source', 'p2x', 'uft', 'daft', 'scratch', 'imagenet-ft', 'linear-probe']) expect(io.stdout[0]).toContain(name);
    const json = memoryIo();
    expect(await main(['recipes', '--json'], json)).toBe(0);
    expect(JSON.parse(json.stdout[0])).toHaveLength(11);
  });

  it('refuses a bad recipe before anything runs, naming every key at fault', async () => {
    const { dir, recipeDir } = project();
    const file = join(recipeDir, 'bad.yaml');
    writeFileSync(file, yaml('  finetune: { epochs: 0 }\nbogus: 1\n').replace('queueSize: 64', 'queueSize: 60'));
    const io = memoryIo();
    expect(await main(['run', file, '--project', dir], io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/recipe refused: \(recipe\): .*bogus/);
    writeFileSync(file, yaml('  finetune: { epochs: 0 }\n').replace('queueSize: 64', 'queueSize: 60'));
    const io2 = memoryIo();
    expect(await main(['run', file, '--project', dir], io2)).toBe(1);
    const msg = io2.stderr.join('\n');
    expect(msg).toMatch(/stages\.pretrain\.queueSize: the MoCo queue \(60\) must be a multiple of the batch \(8\)/);
    expect(msg).toMatch(/stages\.finetune\.epochs/);
    expect(await main(['run', join(recipeDir, 'missing.yaml'), '--project', dir], memoryIo())).toBe(2);
    const runs = memoryIo();
    expect(await main(['runs', '--project', dir], runs)).toBe(0);
    expect(runs.stdout[0]).toMatch(/No runs yet/);
  });

  it('--dry-run prints the stages and a measured estimate without starting anything', async () => {
    const { dir, recipeDir } = project();
    const file = join(recipeDir, 'tiny.yaml');
    writeFileSync(file, yaml());
    const io = memoryIo();
    expect(await main(['run', file, '--project', dir, '--dry-run', '--json'], io)).toBe(0);
    const out = JSON.parse(io.stdout.at(-1)!);
    expect(out.configs).toHaveLength(2);
    expect(out.estimate.runs).toBe(2);
    expect(out.estimate.imagesPerSecond).toBeGreaterThan(0);
    const pre = out.estimate.stages.find((s: { kind: string }) => s.kind === 'pretrain');
    expect(pre).toMatchObject({ steps: 20, images: 20 * 8 * 2 });
    expect(pre.seconds).toBeGreaterThan(0);
    // the pretrain stage's time comes from a real step of its own method, not from the supervised step
    expect(out.estimate.notes.join('\n')).toMatch(/stage "pretrain": timed with a real moco step \(\w+, \d+ ms per batch of 8\)/);
    expect(out.estimate.seconds).toBeGreaterThan(0);
    const runs = memoryIo();
    expect(await main(['runs', '--project', dir, '--json'], runs)).toBe(0);
    expect(JSON.parse(runs.stdout[0])).toEqual([]);
  });
});
