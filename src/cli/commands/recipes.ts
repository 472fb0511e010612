/** `attune recipes [NAME]`: the recipe presets and their defaults, or a ready-to-edit recipe file for one. */
import { parseFlags, UsageError } from '../args';
import type { CliIo } from '../io';
import { loadPresets } from '../../main/services/runs/presets';
import { PRESET_NAMES, type RecipePreset } from '../../shared/schemas/recipe';
import { recipeTemplate } from '../recipe-template';

export const summary = 'list the recipe presets (blog, hpt, p2x, uft, daft, baselines); NAME prints a ready-to-edit recipe file';

const USAGE = `Usage: attune recipes [--json]        the presets and their defaults
       attune recipes NAME > my.yaml   a ready-to-edit recipe file for preset NAME

A recipe file names one of these with \`recipe:\` and overrides stages by name. Presets: ${PRESET_NAMES.join(', ')}.`;

/** One preset as a few lines of text. */
export function formatPreset(p: RecipePreset): string {
  const lines = [`${p.name.padEnd(13)} ${p.title}`, `${' '.repeat(14)}${p.description}`, `${' '.repeat(14)}backbone ${p.backbone.arch} (${p.backbone.weights ?? 'random init'}), batch ${p.batchSize}; from ${p.paper}`];
  for (const s of p.stages) {
    const { kind, name, ...rest } = s;
    const text = Object.entries(rest).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`).join(' ');
    lines.push(`${' '.repeat(16)}${name} (${kind}): ${text}`);
  }
  return lines.join('\n');
}

/** Entry of `attune recipes`. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return io.out(USAGE), 0;
  const presets = loadPresets();
  if (positionals.length > 1) throw new UsageError(`give one preset name at most, got ${positionals.length}`);
  if (positionals.length === 1) {
    const preset = presets.find((p) => p.name === positionals[0]);
    if (!preset) throw new UsageError(`there is no recipe preset "${positionals[0]}"; the presets are ${PRESET_NAMES.join(', ')}`);
    io.out(values.json ? JSON.stringify(preset) : recipeTemplate(preset));
    return 0;
  }
  io.out(values.json ? JSON.stringify(presets) : presets.map(formatPreset).join('\n\n') + '\n\nA ready-to-edit recipe file for one of them: attune recipes NAME > my-recipe.yaml');
  return 0;
}
