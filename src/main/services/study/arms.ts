/**
 * The arms of the Fashion-MNIST study: each is a recipe file in resources/recipes/study (a preset
 * with the study's overrides), run through the same run service as `attune run` and the app. An
 * arm may start from the backbone another arm of the same seed saved (the shared base, HPT's
 * adapted backbone), so that backbone is trained once per seed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { presetDir } from '../runs/presets';

/** The arms, in the order they run and are reported (an arm runs after the one it starts from). */
export const ARM_NAMES = ['scratch', 'base', 'specialist', 'hpt', 'hpt-bn', 'hpt-daft', 'uft', 'p2x'] as const;
export type ArmName = (typeof ARM_NAMES)[number];

/** What each arm is, in one line (for reports). */
export const ARM_DESCRIPTIONS: Record<ArmName, string> = {
  scratch: 'random init; supervised on the labels only',
  base: 'supervised pretraining on the source (classes 0–4), then fine-tuned',
  specialist: 'BYOL from scratch on the target pool',
  hpt: 'base → BYOL on the target pool, a quarter of the specialist\'s steps',
  'hpt-bn': 'base → BYOL on the target training only BatchNorm γ/β (heads fully)',
  'hpt-daft': 'the HPT arm\'s adapted backbone, fine-tuned with DAFT (BN conversion, zero head, separate lrs)',
  uft: 'base → MoCo v2 on the target pool + 10 % source replay, CutMix of the queries',
  p2x: 'base → dead-filter copy and weight scaling → BYOL on the target pool',
};

/** The backbone file of another arm's run (same seed) an arm starts from; null: random init. */
export const ARM_STARTS: Record<ArmName, { arm: ArmName; file: string } | null> = {
  scratch: null,
  base: null,
  specialist: null,
  hpt: { arm: 'base', file: 'base.safetensors' },
  'hpt-bn': { arm: 'base', file: 'base.safetensors' },
  'hpt-daft': { arm: 'hpt', file: 'pretrain.safetensors' },
  uft: { arm: 'base', file: 'base.safetensors' },
  p2x: { arm: 'base', file: 'base.safetensors' },
};

/** The folder the recipes name for the Fashion-MNIST IDX files (Debian's dataset-fashion-mnist). */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The file of an arm's recipe. */
export function armRecipeFile(arm: ArmName): string {
  return join(presetDir(), 'study', `${arm}.yaml`);
}

/** An arm's recipe as an object, its IDX files moved from FASHION_MNIST_DIR to `dataDir`. */
export function loadArmRecipe(arm: ArmName, dataDir = FASHION_MNIST_DIR): Record<string, unknown> {
  const recipe = parseYaml(readFileSync(armRecipeFile(arm), 'utf8')) as Record<string, unknown>;
  const data = recipe.data as Record<string, { idx?: { images: string; labels: string } }>;
  for (const set of Object.values(data)) {
    if (set && typeof set === 'object' && set.idx) {
      set.idx.images = set.idx.images.replace(FASHION_MNIST_DIR, dataDir);
      set.idx.labels = set.idx.labels.replace(FASHION_MNIST_DIR, dataDir);
    }
  }
  return recipe;
}

/** Throws, naming the file and the fix, when a Fashion-MNIST folder lacks one of its four IDX files. */
export function checkFashionFiles(dir: string): void {
  for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
    if (!existsSync(join(dir, f))) throw new Error(`${join(dir, f)} is missing: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass --data DIR`);
  }
}
