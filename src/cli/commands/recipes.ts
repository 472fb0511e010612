/** `attune recipes`: the recipe presets and their defaults. */
import { parseFlags } from '../args';
import type { CliIo } from '../io';
import { loadPresets } from '../../main/services/runs/presets';
import type { RecipePreset } from '../../shared/schemas/recipe';

export const summary = 'list the recipe presets (blog, hpt, p2x, uft, daft, baselines) and their defaults';

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

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return io.out('Usage: attune recipes [--json]\n\nA recipe file names one of these with `recipe:` and overrides stages by name.'), 0;
  const presets = loadPresets();
  io.out(values.json ? JSON.stringify(presets) : presets.map(formatPreset).join('\n\n'));
  return 0;
}
