/**
 * The recipe presets shipped in resources/recipes: read once, validated by the shared schema,
 * so a broken preset is reported with its file and key instead of failing a run later.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { AppError } from '../../../shared/errors';
import { PRESET_NAMES, RecipePreset, type PresetName } from '../../../shared/schemas/recipe';
import { formatIssues } from './issues';

/** Candidate folders of the presets: ATTUNE_RECIPES, the source tree, a packaged app's resources. */
function presetDirs(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const packaged = (process as unknown as { resourcesPath?: string }).resourcesPath;
  return [
    process.env.ATTUNE_RECIPES,
    resolve(here, '..', '..', '..', '..', 'resources', 'recipes'),
    resolve(here, '..', '..', 'resources', 'recipes'),
    packaged ? join(packaged, 'recipes') : undefined,
  ].filter((d): d is string => !!d);
}

/** The folder holding the presets; throws when none is found. */
export function presetDir(): string {
  const dir = presetDirs().find((d) => existsSync(join(d, 'blog.yaml')));
  if (!dir) throw new AppError('not_found', `recipe presets not found (looked in ${presetDirs().join(', ')})`);
  return dir;
}

let cache: Map<string, RecipePreset> | undefined;

/** Parses and validates one preset file. */
export function parsePresetFile(file: string): RecipePreset {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AppError('validation', `${file}: not valid YAML (${(e as Error).message})`);
  }
  const parsed = RecipePreset.safeParse(raw);
  if (!parsed.success) throw new AppError('validation', `${file}: ${formatIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** Every preset, in the order of PRESET_NAMES. */
export function loadPresets(): RecipePreset[] {
  if (!cache) {
    const dir = presetDir();
    const found = new Map<string, RecipePreset>();
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
      const p = parsePresetFile(join(dir, f));
      if (`${p.name}.yaml` !== f) throw new AppError('validation', `${join(dir, f)}: name "${p.name}" does not match the file name`);
      found.set(p.name, p);
    }
    for (const n of PRESET_NAMES) if (!found.has(n)) throw new AppError('not_found', `recipe preset "${n}" is missing from ${dir}`);
    cache = found;
  }
  return PRESET_NAMES.map((n) => cache!.get(n)!);
}

/** One preset by name. */
export function getPreset(name: PresetName): RecipePreset {
  const p = loadPresets().find((x) => x.name === name);
  if (!p) throw new AppError('not_found', `unknown recipe "${name}" (known: ${PRESET_NAMES.join(', ')})`);
  return p;
}
