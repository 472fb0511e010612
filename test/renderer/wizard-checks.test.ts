import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import hptYaml from '../../resources/recipes/hpt.yaml?raw';
import blogYaml from '../../resources/recipes/blog.yaml?raw';
import uftYaml from '../../resources/recipes/uft.yaml?raw';
import { RecipePreset } from '../../src/shared/schemas/recipe';
import { batchProblem, dataProblems, fittingBatch, pretrainPool, previewTotals, splitPreview, splitProblems } from '../../src/renderer/src/wizard/checks';
import { defaultAnswers, buildRecipe } from '../../src/renderer/src/wizard/recipe';
import { paperInWords, plainIssue, presetText, randomInitWarning, reviewSummary, seedsInWords, stagesForRun } from '../../src/renderer/src/wizard/words';

const hpt = RecipePreset.parse(parse(hptYaml));
const blog = RecipePreset.parse(parse(blogYaml));
const uft = RecipePreset.parse(parse(uftYaml));
const ds = (root: string, readable: number, classes: Record<string, number> = {}, kind: 'labeled-folder' | 'unlabeled' = 'labeled-folder') => ({ id: 1, name: 'x', kind, root, scannedAt: null, total: readable, readable, classes });

describe('wizard checks, in the user\'s words', () => {
  it('blocks the data step on a folder without images, one class, or a typed but not added unlabeled folder', () => {
    const a = { ...defaultAnswers(), labeledPath: '/img/empty' };
    expect(dataProblems(a, [])).toEqual(['Scan /img/empty first: press "Scan images".']);
    expect(dataProblems(a, [ds('/img/empty', 0)])).toEqual(['No images found in /img/empty.']);
    expect(dataProblems(a, [ds('/img/empty', 5, { cat: 5 })])[0]).toContain('only one class (cat)');
    expect(dataProblems(a, [ds('/img/empty', 9, { cat: 5, dog: 4 })], '/img/more')).toEqual([expect.stringContaining('/img/more is typed but not added')]);
    expect(dataProblems({ ...a, unlabeledPaths: ['/u'] }, [ds('/img/empty', 9, { cat: 5, dog: 4 }), ds('/u', 0, {}, 'unlabeled')])).toEqual(['No images found in /u.']);
  });

  it('says split shares in percent', () => {
    const a = defaultAnswers();
    expect(splitProblems({ ...a, valPercent: 60, testPercent: 50 })).toEqual(['Validation share must be between 0 % and 50 % (it is 60 %).']);
    expect(splitProblems({ ...a, valPercent: 50, testPercent: 50 })[0]).toMatch(/^Validation share \+ test share is 100 %/);
    expect(splitProblems({ ...a, budget: 'perClass', budgetValue: 0 })[0]).toContain('Images per class');
    expect(splitProblems(a)).toEqual([]);
  });

  it('previews the engine\'s stratified split and the label budget per class', () => {
    const rows = splitPreview({ a: 20, b: 3 }, { ...defaultAnswers(), budget: 'perClass', budgetValue: 10 });
    expect(rows[0]).toEqual({ label: 'a', total: 20, train: 14, val: 2, test: 4, labeledTrain: 10 });
    expect(rows[1]).toEqual({ label: 'b', total: 3, train: 2, val: 0, test: 1, labeledTrain: 2 });
    expect(previewTotals(rows)).toEqual({ total: 23, train: 16, val: 2, test: 5, labeledTrain: 12 });
  });

  it('suggests a batch that fits the labeled training images', () => {
    expect(fittingBatch(20)).toBe(16);
    expect(fittingBatch(3)).toBe(2);
    const pool = pretrainPool(hpt, 20, 0, null)!;
    expect(pool).toEqual({ pool: 20, what: 'labeled training images' });
    expect(batchProblem(32, pool)).toEqual({ message: expect.stringContaining('Batch size 32 is larger than the 20 labeled training images'), fits: 16 });
    expect(batchProblem(16, pool)).toBeNull();
    expect(pretrainPool(uft, 20, 5, null)).toEqual({ pool: 25, what: 'labeled training and unlabeled images' });
  });
});

describe('wizard words', () => {
  it('shows the fields\' numbers on the cards, papers and keys in plain words', () => {
    const a = { pretrainSteps: 200, finetuneEpochs: 5 };
    expect(presetText(hpt.title, a)).toBe('HPT (MoCo v2 on the target, 200 steps)');
    expect(presetText(hpt.description, a)).toContain('for 200 steps');
    expect(presetText(hpt.description, a)).not.toContain('5000');
    expect(presetText(uft.description, a)).toContain('Needs a source image folder');
    expect(presetText(blog.description, a)).toContain('(200 steps)');
    expect(paperInWords(hpt.paper)).toBe('Hierarchical PreTraining (Reed et al.)');
    expect(stagesForRun(hpt, { pretrainSteps: 200, finetuneEpochs: 1 }).join(' → ')).toMatch(/MoCo v2 self-supervised on your images, 200 steps → .* 1 epoch, images blended in pairs \(mixup\) → test/);
    expect(seedsInWords([0])).toBe('Seed 0: one run');
    expect(seedsInWords([0, 1, 2])).toBe('3 seeds (0, 1, 2): one run each');
  });

  it('warns when a pretrained-backbone recipe starts a large backbone from random weights', () => {
    expect(randomInitWarning({ ...defaultAnswers(), arch: 'resnet50' }, hpt)).toContain('resnet50 would start from random weights');
    expect(randomInitWarning({ ...defaultAnswers(), arch: 'resnet50', weightsPath: '/w.safetensors' }, hpt)).toBeNull();
    expect(randomInitWarning(defaultAnswers(), hpt)).toBeNull();
  });

  it('warns for every recipe that adapts a pretrained backbone, and for none that trains from scratch', () => {
    const presets = Object.values(import.meta.glob<string>('../../resources/recipes/*.yaml', { query: '?raw', import: 'default', eager: true })).map((y) => RecipePreset.parse(parse(y)));
    const warned = presets.filter((p) => randomInitWarning({ ...defaultAnswers(), arch: 'resnet50' }, p)).map((p) => p.name).sort();
    expect(warned).toEqual(['blog', 'daft', 'hpt', 'hpt-bn', 'hpt-source', 'imagenet-ft', 'linear-probe', 'p2x', 'uft']);
  });

  it('rewrites server issues with field labels and percentages', () => {
    expect(plainIssue({ path: 'data.split.val', message: 'Too big: expected number to be <=0.5' })).toBe('Validation share: must be at most 50 %');
    expect(plainIssue({ path: 'data.source', message: 'stage "pretrain" needs source images (data.source)' })).toBe('Source folder: stage "pretrain" needs source images');
    expect(plainIssue({ path: 'data.unlabeled[1]', message: '/x does not exist' })).toBe('Unlabeled folder 2: /x does not exist');
  });

  it('summarises the run for the review and names it by what it does', () => {
    const a = { ...defaultAnswers(), labeledPath: '/img', unlabeledPaths: ['/u1', '/u2'], budget: 'perClass' as const, budgetValue: 10 };
    const lines = reviewSummary(a, hpt, { labeled: 40, classes: 2, unlabeled: 12 });
    expect(lines.find((l) => l.label === 'Labeled images')?.value).toBe('/img · 40 images · 2 classes');
    expect(lines.find((l) => l.label === 'Labels to use')?.value).toContain('10 per class');
    expect(lines.find((l) => l.label === 'Seeds')?.value).toBe('Seed 0: one run');
    const r = buildRecipe(a, hpt);
    expect(r.name).toBe('HPT (MoCo v2 on the target, 200 steps)');
    expect((r.data as { unlabeled: unknown }).unlabeled).toEqual(['/u1', '/u2']);
  });
});
