import { planFinetune } from '../../../src/shared/finetune-plan';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPresets } from '../../../src/main/services/runs/presets';
import { RecipeError, expandRecipe, parseRecipe } from '../../../src/main/services/runs/expand';
import { downsample } from '../../../src/main/services/runs/service';
import { PRESET_NAMES } from '../../../src/shared/schemas/recipe';

const FM = '/usr/share/datasets/fashion-mnist';
const idx = { images: `${FM}/t10k-images-idx3-ubyte.gz`, labels: `${FM}/t10k-labels-idx1-ubyte.gz`, classes: [5, 6, 7, 8, 9] };
const tiny = (extra: Record<string, unknown> = {}) => ({
  name: 'tiny', recipe: 'hpt', backbone: { arch: 'small-resnet', weights: null }, data: { idx, size: 32 }, batchSize: 32, ...extra,
});

/** Expands and returns the issues (empty when it expands). */
function issuesOf(input: unknown, base = '/') {
  try {
    expandRecipe(parseRecipe(input as Record<string, unknown>), base);
    return [];
  } catch (e) {
    if (!(e instanceof RecipeError)) throw e;
    return e.issues;
  }
}

describe('recipe presets', () => {
  it('ships every preset, each valid, with prepare → … → evaluate stages', () => {
    const presets = loadPresets();
    expect(presets.map((p) => p.name)).toEqual([...PRESET_NAMES]);
    for (const p of presets) {
      expect(p.stages.at(-1)!.kind).toBe('evaluate');
      expect(p.stages.some((s) => s.kind === 'finetune')).toBe(true);
    }
    const blog = presets.find((p) => p.name === 'blog')!;
    expect(blog.stages.map((s) => s.kind)).toEqual(['pretrain', 'finetune', 'evaluate']);
    expect(blog.stages[0]).toMatchObject({ method: 'byol', headNorm: 'layer' });
    expect(blog.stages[1]).toMatchObject({ mode: 'freeze-unfreeze' });
    expect(presets.find((p) => p.name === 'p2x')!.stages[0]).toMatchObject({ kind: 'adapt', operations: ['dead-filters', 'weight-scaling'] });
    expect(presets.find((p) => p.name === 'hpt-bn')!.stages[0]).toMatchObject({ backboneTraining: 'norm-only' });
  });
});

describe('recipe expansion', () => {
  it('expands a Fashion-MNIST IDX recipe into one config per seed, lrs scaled to the batch', () => {
    const r = parseRecipe(tiny({ seeds: [1, 2, 3], stages: { pretrain: { steps: 100, queueSize: 256 } } }));
    const ex = expandRecipe(r, '/');
    expect(ex.configs.map((c) => c.seed)).toEqual([1, 2, 3]);
    expect(ex.counts.labeled).toBe(5000); // t10k holds 1000 images per class
    const stages = ex.configs[0].stages;
    expect(stages.map((s) => s.kind)).toEqual(['prepare', 'pretrain', 'finetune', 'evaluate']);
    const pre = stages[1] as Extract<(typeof stages)[number], { kind: 'pretrain' }>;
    expect(pre.totalSteps).toBe(100);
    expect(pre.lr).toBeCloseTo((0.03 * 32) / 256, 12); // HPT: 0.03 at batch 256
    const ft = stages[2] as Extract<(typeof stages)[number], { kind: 'finetune' }>;
    expect(ft.lrScaled).toBeCloseTo(0.001, 12); // HPT fine-tunes with Adam: its lr is not scaled
    // SGD rates scale linearly from the preset's batch (64) to the batch used
    const sgd = expandRecipe(parseRecipe(tiny({ stages: { pretrain: { steps: 100, queueSize: 256 }, finetune: { optimizer: 'sgd', lr: 0.01, headLr: 0.01 } } })), '/');
    expect((sgd.configs[0].stages[2] as typeof ft).lrScaled).toBeCloseTo((0.01 * 32) / 64, 12);
    expect(ft.totalSteps).toBe(20 * Math.floor(3500 / 32));
    // the same plan the engine runs (src/shared/finetune-plan.ts), from the same counts
    expect(ft.totalSteps).toBe(planFinetune(ft, 3500, 32).totalSteps);
  });

  it('reads YAML text and refuses unknown keys with their path', () => {
    const yaml = `name: x\nrecipe: blog\ndata:\n  idx: { images: ${idx.images}, labels: ${idx.labels}, clases: [1, 2] }\nbatchSize: 8\n`;
    expect(() => parseRecipe(yaml)).toThrow(/data\.idx: .*clases/);
    expect(() => parseRecipe('name: [unclosed')).toThrow(/not valid YAML/);
    const issues = issuesOf(tiny({ stages: { pretrain: { stepz: 3 } } }));
    expect(issues.map((i) => i.path)).toContain('stages.pretrain');
    expect(issues[0].message).toMatch(/stepz/);
  });

  it('refuses impossible values before anything runs, naming the key', () => {
    const paths = (x: unknown) => issuesOf(x).map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(paths(tiny({ stages: { pretrain: { queueSize: 1000 } } }))).toMatch(/stages\.pretrain\.queueSize: the MoCo queue \(1000\) must be a multiple of the batch \(32\)/);
    expect(paths(tiny({ batchSize: 8000 }))).toMatch(/batchSize: batch 8000 is larger than/);
    // epochs are turned into steps over the pool; the total has the same limit as steps
    expect(paths(tiny({ recipe: 'blog', batchSize: 2, stages: { pretrain: { epochs: 10000 } } }))).toMatch(/stages\.pretrain\.epochs: 10000 epochs over \d+ images come to \d+ steps, more than the 1000000 a stage may run/);
    expect(paths(tiny({ stages: { finetun: { epochs: 1 } } }))).toMatch(/stages\.finetun: recipe "hpt" has no stage "finetun"/);
    expect(paths(tiny({ stages: { pretrain: { steps: -5 } } }))).toMatch(/stages\.pretrain\.steps/);
    expect(paths(tiny({ data: { idx: { ...idx, classes: [5, 42] } } }))).toMatch(/data\.idx\.classes\[1\]: label 42 does not occur/);
    expect(paths(tiny({ data: { labeled: '/nonexistent/folder' } }))).toMatch(/data\.labeled: \/nonexistent\/folder does not exist/);
    expect(paths({ ...tiny(), recipe: 'uft' })).toMatch(/data\.source: stage "pretrain" needs source images/);
    expect(paths(tiny({ data: { idx, negativeClass: 'Cat' } }))).toMatch(/data\.negativeClass: "Cat" is not a class/);
    expect(paths(tiny({ backbone: { arch: 'resnet50' } }))).toMatch(/backbone\.weights: "imagenet" needs a local ImageNet weights file/);
    expect(paths(tiny({ backbone: { arch: 'resnet50', weights: 'missing.safetensors' } }))).toMatch(/backbone\.weights: \/missing\.safetensors does not exist/);
  });

  it('counts class folders relative to the recipe folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-expand-'));
    for (const c of ['a', 'b']) {
      mkdirSync(join(dir, 'imgs', c), { recursive: true });
      for (let i = 0; i < 5; i++) writeFileSync(join(dir, 'imgs', c, `${i}.png`), 'x');
    }
    const r = parseRecipe({ ...tiny(), data: { labeled: 'imgs', size: 32 }, batchSize: 4, recipe: 'scratch' });
    expect(expandRecipe(r, dir).counts.labeled).toBe(10);
    // a batch written for more images than there are labels is fitted for fine-tuning, not refused
    const big = expandRecipe(parseRecipe({ ...tiny(), data: { labeled: 'imgs', size: 32 }, batchSize: 64, recipe: 'scratch' }), dir);
    const ft = big.configs[0].stages.find((s) => s.kind === 'finetune') as Extract<(typeof big.configs)[0]['stages'][number], { kind: 'finetune' }>;
    expect(ft.batchSize).toBe(2); // ~7 train images → half, rounded down to a power of two
    expect(ft.lrScaled).toBeCloseTo(0.001, 12); // scratch uses Adam: its lr is not scaled with the batch
    // the preset's plan stretches to minSteps; epochs the user wrote are taken as written
    expect(ft.minSteps).toBe(500);
    expect(ft.totalSteps).toBe(500);
    const own = expandRecipe(parseRecipe({ ...tiny(), data: { labeled: 'imgs', size: 32 }, recipe: 'scratch', stages: { finetune: { epochs: 3 } } }), dir);
    expect(own.configs[0].stages.find((s) => s.kind === 'finetune')!.totalSteps).toBe(3 * 3); // 7 images, batch 2
    const explicit = issuesOf({ ...tiny(), data: { labeled: 'imgs', size: 32 }, recipe: 'scratch', stages: { finetune: { batchSize: 64 } } }, dir);
    expect(explicit[0].path).toBe('stages.finetune.batchSize');
    expect(explicit[0].message).toMatch(/larger than the ~7 labeled training images/);
  });

  it('expands the shipped example recipes', () => {
    for (const f of ['fashion-mnist-blog.yaml', 'fashion-mnist-scratch.yaml']) {
      const text = readFileSync(join(__dirname, '../../../resources/recipes/examples', f), 'utf8');
      const ex = expandRecipe(parseRecipe(text), '/');
      expect(ex.configs).toHaveLength(3);
      expect(ex.counts.labeled).toBe(5000);
      expect(ex.configs[0].data.negativeClass).toBe('Sandal');
    }
  });

  it('downsamples a series keeping the first and last points', () => {
    const pts = Array.from({ length: 101 }, (_, i): [number, number] => [i, i * i]);
    const d = downsample(pts, 11);
    expect(d).toHaveLength(11);
    expect(d[0]).toEqual([0, 0]);
    expect(d[10]).toEqual([100, 10000]);
  });
});
