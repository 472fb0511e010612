/**
 * `attune recipes NAME` prints a ready-to-edit recipe file; `attune run NAME` says a preset is not
 * a file and shows the smallest recipe; a refused recipe creates no project; a project the CLI
 * creates does not join the studio's recent-projects list.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { main } from '../../src/cli/attune';
import { memoryIo } from '../../src/cli/io';
import { loadPresets } from '../../src/main/services/runs/presets';
import { expandRecipe, parseRecipe } from '../../src/main/services/runs/expand';
import { PLACEHOLDERS, minimalRecipe, recipeTemplate } from '../../src/cli/recipe-template';
import { writeLabeledSet } from '../fixtures/images/generate';

const FM = '/usr/share/datasets/fashion-mnist';
let dir: string;
const savedHome = process.env.ATTUNE_HOME;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'attune-recipe-template-'));
  await writeLabeledSet(join(dir, 'labeled'), { cats: 4, dogs: 4 }, 24);
  await writeLabeledSet(join(dir, 'source'), { a: 4, b: 4 }, 24, 100);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.env.ATTUNE_HOME = savedHome;
});

/** The template with its placeholders pointing at real folders, and random-init weights. */
function filledIn(text: string): string {
  return text
    .replaceAll(PLACEHOLDERS.labeled, join(dir, 'labeled'))
    .replaceAll(PLACEHOLDERS.source, join(dir, 'source'))
    .replace(/weights: \/path\/to\/\S+/, 'weights: null');
}

/** Uncomments the `# stages:` block (the lines a user uncomments to change stage settings). */
function uncommentStages(text: string): string {
  const lines = text.split('\n');
  const at = lines.indexOf('# stages:');
  return lines.map((l, i) => (i >= at && l.startsWith('# ') ? l.slice(2) : l)).join('\n');
}

describe('attune recipes NAME', () => {
  it('prints, for every preset, a recipe that is valid once its paths are filled in, with the stages commented', async () => {
    for (const preset of loadPresets()) {
      const io = memoryIo();
      expect(await main(['recipes', preset.name], io)).toBe(0);
      const text = io.stdout.join('\n');
      expect(text).toBe(recipeTemplate(preset));
      expect(text).toContain(`recipe: ${preset.name}\n`);
      expect(text).toContain(`labeled: ${PLACEHOLDERS.labeled}`);
      for (const s of preset.stages) expect(text).toContain(`#   ${s.name}:`);
      const recipe = parseRecipe(filledIn(text));
      expect(recipe.recipe).toBe(preset.name);
      expect(() => expandRecipe({ ...recipe, batchSize: 4, stages: { ...recipe.stages } }, dir), preset.name).not.toThrow();
      // uncommented, the stage block holds exactly the preset's values
      const full = parseYaml(uncommentStages(filledIn(text))) as { stages: Record<string, Record<string, unknown>> };
      for (const { kind: _k, name, ...rest } of preset.stages) expect(full.stages[name], `${preset.name}.${name}`).toEqual(rest);
      expect(() => parseRecipe(uncommentStages(filledIn(text)))).not.toThrow();
    }
  });

  it('asks for a file where the weights must come from (imagenet presets), and names data.source where it is needed', () => {
    const hpt = recipeTemplate(loadPresets().find((p) => p.name === 'hpt')!);
    expect(hpt).toContain('weights: /path/to/resnet50-imagenet.safetensors');
    expect(hpt).not.toMatch(/^\s+source: /m);
    const uft = minimalRecipe(loadPresets().find((p) => p.name === 'uft')!);
    expect(uft).toMatch(/^ {2}source: \/path\/to\/source-images/m);
  });

  it('refuses an unknown preset, naming the known ones', async () => {
    const io = memoryIo();
    expect(await main(['recipes', 'bert'], io)).toBe(2);
    expect(io.stderr[0]).toMatch(/no recipe preset "bert".*hpt/);
  });
});

describe('attune run PRESET', () => {
  it('says a preset is not a recipe file and prints the smallest recipe, valid once filled in', async () => {
    const io = memoryIo();
    expect(await main(['run', 'hpt'], io)).toBe(2);
    const msg = io.stderr.join('\n');
    expect(msg).toMatch(/"hpt" is a recipe preset, not a recipe file/);
    expect(msg).toContain('attune recipes hpt > my-recipe.yaml');
    const smallest = msg.slice(msg.indexOf('name: '));
    expect(smallest.trim().split('\n').length).toBeLessThanOrEqual(6);
    expect(() => expandRecipe({ ...parseRecipe(filledIn(smallest)), batchSize: 4 }, dir)).not.toThrow();
  });
});

describe('a refused recipe', () => {
  it('creates no project folder or database, with or without --dry-run', async () => {
    process.env.ATTUNE_HOME = mkdtempSync(join(tmpdir(), 'attune-home-'));
    const file = join(dir, 'refused.yaml');
    writeFileSync(file, `name: refused\nrecipe: hpt\nbackbone: { weights: null }\ndata:\n  labeled: ${join(dir, 'no-such-folder')}\n`);
    for (const extra of [['--dry-run'], []]) {
      const project = join(dir, `never-${extra.length}`);
      const io = memoryIo();
      expect(await main(['run', file, '--project', project, ...extra], io)).toBe(1);
      expect(io.stderr.join('\n')).toMatch(/recipe refused: data\.labeled: .*no-such-folder[\s\S]*Nothing was created/);
      expect(existsSync(project)).toBe(false);
    }
    expect(readdirSync(process.env.ATTUNE_HOME)).toEqual([]);
  });
});

describe('a project made by the CLI', () => {
  // Reason for the skip: the run reads Fashion-MNIST from Debian's dataset-fashion-mnist
  it.skipIf(!existsSync(`${FM}/t10k-images-idx3-ubyte.gz`))('is not put on the recent-projects list; a dry run leaves no project behind', async () => {
    process.env.ATTUNE_HOME = mkdtempSync(join(tmpdir(), 'attune-home-'));
    const file = join(dir, 'tiny.yaml');
    writeFileSync(file, `name: tiny
recipe: scratch
backbone: { arch: small-resnet, weights: null, config: { widths: [8, 16], blocks: 1 } }
data:
  idx: { images: ${FM}/t10k-images-idx3-ubyte.gz, labels: ${FM}/t10k-labels-idx1-ubyte.gz, classes: [5, 7], limit: 40 }
  size: 16
  split: { val: 0.1, test: 0.3 }
batchSize: 8
stages:
  finetune: { steps: 2 }
  evaluate: { bootstrapResamples: 0 }
`);
    const dry = join(dir, 'dry-project');
    const d = memoryIo();
    expect(await main(['run', file, '--project', dry, '--dry-run'], d)).toBe(0);
    expect(d.stdout.join('\n')).toMatch(/has no project yet; a real run creates it/);
    expect(existsSync(dry)).toBe(false);

    const project = join(dir, 'cli-project');
    const io = memoryIo();
    expect(await main(['run', file, '--project', project, '--json'], io)).toBe(0);
    expect(io.stderr.join('\n')).toMatch(/created a new project "cli-project"/);
    expect(existsSync(join(project, 'attune.db')) || readdirSync(project).length > 0).toBe(true);
    const recent = join(process.env.ATTUNE_HOME, 'recent-projects.json');
    expect(existsSync(recent) ? JSON.parse(readFileSync(recent, 'utf8')) : []).toEqual([]);
  }, 300_000);
});
