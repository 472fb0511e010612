/**
 * Upper limits of recipe numbers: values past what a real run on one GPU can reach are
 * refused with a plain message naming the field, the limit and the value given.
 */
import { describe, expect, it } from 'vitest';
import { AdaptStageSpec, DataSpec, EvaluateStageSpec, IdxSource, PretrainStageSpec } from '../../src/shared/schemas/recipe';
import { MAX_IMAGES, MAX_PRETRAIN_STEPS, MAX_QUEUE_SIZE, showNumber } from '../../src/shared/schemas/limits';
import { RecipeError, expandRecipe, parseRecipe } from '../../src/main/services/runs/expand';

const FM = '/usr/share/datasets/fashion-mnist';
const idx = { images: `${FM}/t10k-images-idx3-ubyte.gz`, labels: `${FM}/t10k-labels-idx1-ubyte.gz`, classes: [5, 6, 7, 8, 9] };
const pretrain = { kind: 'pretrain', name: 'pretrain', method: 'moco', steps: 5000, baseLr: 0.03, augmentation: 'moco-v2' };

/** The messages of a failed parse (empty when it parses). */
function messages(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }, value: unknown): string[] {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error!.issues.map((i) => i.message);
}

describe('recipe limits', () => {
  it('refuses pretrain steps, epochs, queue size and warm-up past one GPU, saying the limit and the value', () => {
    expect(messages(PretrainStageSpec, pretrain)).toEqual([]);
    expect(messages(PretrainStageSpec, { ...pretrain, steps: MAX_PRETRAIN_STEPS })).toEqual([]);
    expect(messages(PretrainStageSpec, { ...pretrain, steps: 1e12 })).toEqual(['pretrain steps must be at most 1,000,000 (got 1e12)']);
    expect(messages(PretrainStageSpec, { ...pretrain, steps: MAX_PRETRAIN_STEPS + 1 })).toEqual(['pretrain steps must be at most 1,000,000 (got 1,000,001)']);
    expect(messages(PretrainStageSpec, { ...pretrain, epochs: 20_000 })).toEqual(['pretrain epochs must be at most 10,000 (got 20,000)']);
    expect(messages(PretrainStageSpec, { ...pretrain, queueSize: 1e9 })).toEqual(['the MoCo queue size must be at most 1,000,000 (got 1e9)']);
    expect(messages(PretrainStageSpec, { ...pretrain, queueSize: MAX_QUEUE_SIZE })).toEqual([]);
    expect(messages(PretrainStageSpec, { ...pretrain, warmupSteps: 2e6 })).toEqual(['pretrain warm-up steps must be at most 1,000,000 (got 2,000,000)']);
    expect(messages(PretrainStageSpec, { ...pretrain, temperature: 1e-9 })).toEqual(['the temperature must be at least 0.001 (got 1e-9)']);
    expect(messages(PretrainStageSpec, { ...pretrain, baseLr: 1e6 })).toEqual(['the pretrain learning rate (baseLr) must be at most 100 (got 1,000,000)']);
    expect(messages(PretrainStageSpec, { ...pretrain, steps: 2.5 })[0]).toBe('pretrain steps must be a whole number from 1 to 1,000,000 (got 2.5)');
    expect(messages(AdaptStageSpec, { kind: 'adapt', name: 'a', operations: ['dead-filters'], deadFilterThreshold: 1e9 })).toEqual(['the dead-filter threshold must be at most 100 (got 1e9)']);
    expect(messages(EvaluateStageSpec, { kind: 'evaluate', name: 'e', bootstrapResamples: 1e7 })).toEqual(['bootstrap resamples must be at most 10,000 (got 10,000,000)']);
  });

  it('refuses an IDX limit, labels per class or a class index past any data set', () => {
    const pair = { images: 'a', labels: 'b' };
    expect(messages(IdxSource, { ...pair, limit: MAX_IMAGES })).toEqual([]);
    expect(messages(IdxSource, { ...pair, limit: 1e15 })).toEqual(['the IDX image limit must be at most 100,000,000 (got 1e15)']);
    expect(messages(IdxSource, { ...pair, classes: [0, 1e12] })).toEqual(['an IDX class index must be at most 99,999 (got 1e12)']);
    expect(messages(DataSpec, { idx: pair, labelBudget: { perClass: 1e12 } }).join(' ')).toContain('labels per class must be at most 100,000,000 (got 1e12)');
    expect(messages(DataSpec, { idx: pair, size: 4096 })).toEqual(['the training resolution must be at most 1,024 (got 4,096)']);
  });

  it('reports the limit through a recipe with the key path, before anything runs', () => {
    const recipe = { name: 'big', recipe: 'hpt', backbone: { arch: 'small-resnet', weights: null }, data: { idx: { ...idx, limit: 1e15 }, size: 32 }, batchSize: 32, stages: { pretrain: { steps: 1e12 } } };
    let issues: { path: string; message: string }[] = [];
    try {
      expandRecipe(parseRecipe(recipe), '/');
    } catch (e) {
      if (!(e instanceof RecipeError)) throw e;
      issues = e.issues;
    }
    expect(issues).toContainEqual({ path: 'data.idx.limit', message: 'the IDX image limit must be at most 100,000,000 (got 1e15)' });
    const fixed = { ...recipe, data: { ...recipe.data, idx } };
    try {
      expandRecipe(parseRecipe(fixed), '/');
      issues = [];
    } catch (e) {
      if (!(e instanceof RecipeError)) throw e;
      issues = e.issues;
    }
    expect(issues).toContainEqual({ path: 'stages.pretrain.steps', message: 'pretrain steps must be at most 1,000,000 (got 1e12)' });
  });

  it('writes numbers as a person would', () => {
    expect(showNumber(1e12)).toBe('1e12');
    expect(showNumber(1_000_000)).toBe('1,000,000');
    expect(showNumber(0.001)).toBe('0.001');
    expect(showNumber(1e-9)).toBe('1e-9');
    expect(showNumber(Number.NaN)).toBe('NaN');
  });
});
