import { describe, expect, it } from 'vitest';
import hptYaml from '../../resources/recipes/hpt.yaml?raw';
import blogYaml from '../../resources/recipes/blog.yaml?raw';
import exampleYaml from '../../resources/example/recipe.yaml?raw';
import { parse } from 'yaml';
import { RecipeFile, RecipePreset } from '../../src/shared/schemas/recipe';
import { buildRecipe, dataBlockOf, defaultAnswers, stagesInWords } from '../../src/renderer/src/wizard/recipe';

const preset = (name: 'hpt' | 'blog') => RecipePreset.parse(parse(name === 'hpt' ? hptYaml : blogYaml));

describe('setup wizard → recipe', () => {
  it('builds a recipe the shared schema accepts, with per-stage overrides of the preset', () => {
    const a = { ...defaultAnswers(), runName: 'Leaves', labeledPath: '/data/leaves', unlabeledPaths: ['/data/unlabeled'], negativeClass: 'healthy', budget: 'perClass' as const, budgetValue: 10, pretrainSteps: 50, finetuneEpochs: 3, batchSize: 16 };
    const r = buildRecipe(a, preset('hpt'));
    const parsed = RecipeFile.parse(r);
    expect(parsed.data).toMatchObject({ labeled: '/data/leaves', unlabeled: '/data/unlabeled', negativeClass: 'healthy', labelBudget: { perClass: 10 }, split: { val: 0.1, test: 0.2 } });
    expect(parsed.stages.pretrain).toMatchObject({ steps: 50 });
    expect((parsed.stages.pretrain.queueSize as number) % 16).toBe(0);
    expect(parsed.stages.finetune).toEqual({ epochs: 3 });
    expect(parsed.backbone).toEqual({ arch: 'small-resnet', weights: null });
  });

  it('uses the test folder instead of a test split, and names every stage of the blog recipe', () => {
    const r = buildRecipe({ ...defaultAnswers(), labeledPath: '/x', testPath: '/t', preset: 'blog' }, preset('blog'));
    const parsed = RecipeFile.parse(r);
    expect(parsed.data.test).toBe('/t');
    expect(parsed.data.split.test).toBe(0);
    expect(stagesInWords(preset('blog'))).toMatch(/BYOL self-supervised on your images.*fine-tune with labels/);
  });

  it("runs the example project's IDX data through the wizard's splits and budget", () => {
    const fixedData = dataBlockOf(parse(exampleYaml));
    const r = buildRecipe({ ...defaultAnswers(), fixedData, preset: 'hpt', budget: 'perClass', budgetValue: 10, valPercent: 20 }, preset('hpt'));
    const parsed = RecipeFile.parse(r);
    expect(parsed.data.idx?.classes).toEqual([5, 6, 7, 8, 9]);
    expect(parsed.data.test).toMatchObject({ idx: { images: 'data/target-test-images-idx3-ubyte.gz' } });
    expect(parsed.data.split).toEqual({ val: 0.2, test: 0 });
    expect(parsed.data.labelBudget).toEqual({ perClass: 10 });
    expect(parsed.data.labeled).toBeUndefined();
  });
});
