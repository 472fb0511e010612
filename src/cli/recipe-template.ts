/**
 * Ready-to-edit recipe files for a preset: `attune recipes NAME` prints the full one (every data
 * key explained, the preset's stage values commented out under `stages:`), and `attune run NAME`
 * shows the smallest one that still passes validation once its paths are filled in.
 */
import type { RecipePreset, StageSpec } from '../shared/schemas/recipe';
import { methodTitle } from '../shared/ssl-methods';

/** Placeholder paths the user replaces (tests swap them for real folders). */
export const PLACEHOLDERS = {
  labeled: '/path/to/class-folders',
  source: '/path/to/source-images',
  unlabeled: '/path/to/unlabeled-images',
  test: '/path/to/test-class-folders',
  weights: (arch: string) => `/path/to/${arch}-imagenet.safetensors`,
} as const;

/** True when a stage of the preset trains on, or replays, source images (data.source is required). */
export function needsSource(p: RecipePreset): boolean {
  return p.stages.some((s) => (s.kind === 'pretrain' && (s.pool === 'source' || s.sourceReplay !== undefined)) || (s.kind === 'finetune' && s.pool === 'source'));
}

/** A YAML scalar or flow sequence, quoted only when YAML would read it differently. */
function yamlValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(yamlValue).join(', ')}]`;
  if (typeof v === 'string') return /^[\w./-]+$/.test(v) && !/^(true|false|null|yes|no|on|off|~)$/i.test(v) && Number.isNaN(Number(v)) ? v : JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Pads `text` to a column and appends `# comment`. */
const note = (text: string, comment: string, column = 44) => `${text.padEnd(column - 1)} # ${comment}`;


/** What a stage does, in a few plain words. */
function stageWhat(s: StageSpec): string {
  switch (s.kind) {
    case 'pretrain':
      return `self-supervised ${methodTitle(s.method)} on the ${s.pool === 'source' ? 'source' : 'target'} images`;
    case 'adapt':
      return `weight surgery: ${s.operations.join(', ')}`;
    case 'finetune':
      return s.pool === 'source' ? 'supervised pretraining on the source classes (one subfolder per class)' : `supervised fine-tuning (${s.mode}) on the labeled images${s.mixup > 0 ? `, mixup α ${s.mixup}` : ''}`;
    case 'evaluate':
      return 'test metrics (loss, AUC, F1, accuracy)';
  }
}

/** The lines every template shares: name, recipe, backbone, data. */
function header(p: RecipePreset, full: boolean): string[] {
  const lines = [`name: my ${p.name} run`, `recipe: ${p.name}`];
  const imagenet = p.backbone.weights === 'imagenet';
  if (full || imagenet) {
    lines.push('backbone:');
    if (full) lines.push(note(`  arch: ${p.backbone.arch}`, 'the preset\'s backbone (attune recipes lists the choices)'));
    if (imagenet) lines.push(note(`  weights: ${PLACEHOLDERS.weights(p.backbone.arch)}`, 'ImageNet weights file (.safetensors, .npz or .h5; the Models view lists where to get them)'));
    else lines.push(note('  weights: null', 'random init; or a .safetensors, .npz or .h5 file'));
  }
  lines.push('data:');
  lines.push(note(`  labeled: ${PLACEHOLDERS.labeled}`, 'one sub-folder per class (cats/, dogs/ ...), or a path,label[,split] CSV'));
  if (needsSource(p)) lines.push(note(`  source: ${PLACEHOLDERS.source}`, 'source-domain images this recipe trains on first, or replays'));
  return lines;
}

/** The smallest recipe file for a preset: name, recipe, the data it needs and, if it needs one, a weights file. */
export function minimalRecipe(p: RecipePreset): string {
  return header(p, false).join('\n') + '\n';
}

/** The full ready-to-edit recipe for a preset, with every key commented. */
export function recipeTemplate(p: RecipePreset): string {
  const lines = [
    `# Attune recipe, starting from the "${p.name}" preset: ${p.title}`,
    ...wrap(p.description, 88).map((l) => `#   ${l}`),
    `# Defaults from: ${p.paper}.`,
    '#',
    '# Replace the /path/to/... placeholders (relative paths start at this file\'s folder), then:',
    '#   attune run THIS.yaml --project DIR --dry-run    checks it and estimates the time',
    '#   attune run THIS.yaml --project DIR              runs it',
    '# Every key is explained in README.md, "Recipe format".',
    ...header(p, true),
    note(`  # unlabeled: ${PLACEHOLDERS.unlabeled}`, 'more target images without labels (self-supervised stages use them)'),
    note(`  # test: ${PLACEHOLDERS.test}`, 'a separate test set; otherwise a test split of labeled'),
    note('  size: 224', 'training resolution in pixels (square)'),
    note('  labelBudget: all', 'or { perClass: 10 }, or { percent: 10 }'),
    note('  split: { val: 0.1, test: 0.2 }', 'fractions of each class held out'),
    note(`batchSize: ${p.batchSize}`, 'learning rates scale with it'),
    note('seeds: [0]', 'one run per seed, e.g. [0, 1, 2]'),
    '',
    '# Stage settings, by stage name. The preset\'s values are below, commented out: uncomment',
    '# `stages:`, the stage\'s name and the lines you change.',
    '# stages:',
  ];
  for (const s of p.stages) {
    const { kind: _kind, name, ...rest } = s;
    lines.push(note(`#   ${name}:`, stageWhat(s)));
    for (const [k, v] of Object.entries(rest)) lines.push(`#     ${k}: ${yamlValue(v)}`);
  }
  return lines.join('\n') + '\n';
}

/** Splits text into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
