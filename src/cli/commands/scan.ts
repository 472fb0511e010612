/** `attune scan DIR [--json]`: scan a folder without a project and print its health report. */
import { readdir, stat } from 'node:fs/promises';
import { dirname, extname, normalize } from 'node:path';
import { parseFlags, numberFlag, UsageError } from '../args';
import type { CliIo } from '../io';
import { HealthAccumulator } from '../../engine/data/health';
import { scanSources } from '../../engine/data/scan';
import type { SourceSpec } from '../../engine/data/sources';
import { IMAGE_EXTENSIONS, hasImageExtension, isHiddenName } from '../../engine/data/walk';
import type { HealthReport, ScanProgress } from '../../shared/schemas/dataset';

export const summary = 'scan an image folder (or CSV) and print its health report: problems, duplicates, classes, modes';

const USAGE = `Usage: attune scan DIR|FILE.csv [--json] [--unlabeled DIR]... [--test DIR]... [--all] [--max-pixels N]

DIR with class subfolders is read as a labeled folder (subfolder = class), a folder of
loose images as unlabeled, a .csv file as "path,label[,split]" rows.
  --unlabeled DIR   add an unlabeled folder (checked for duplicates/leakage)
  --test DIR        add a labeled test folder (checked for label leakage)
  --all             list every problem and duplicate (default: the first 20)
  --json            print one JSON object (the health report) as the last line`;

/** Decides how to read a path: CSV file, labeled folder (class subfolders) or unlabeled folder. */
export async function detectSource(path: string): Promise<SourceSpec> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new UsageError(`${path}: no such file or folder`);
  }
  if (st.isFile()) {
    if (extname(path).toLowerCase() === '.csv') return { kind: 'csv', path };
    throw new UsageError(`${path}: expected a folder or a .csv file`);
  }
  const entries = (await readdir(path, { withFileTypes: true })).filter((e) => !isHiddenName(e.name));
  const looseImages = entries.filter((e) => e.isFile() && hasImageExtension(e.name)).length;
  const subfolders = entries.filter((e) => e.isDirectory()).length;
  return subfolders > 0 && looseImages === 0 ? { kind: 'labeled-folder', path } : { kind: 'unlabeled-folder', path };
}

/** Sub-folder names that name a role of the images (a split, labeled or not), not a class. */
const ROLE_NAMES = new Set(['labeled', 'labelled', 'unlabeled', 'unlabelled', 'train', 'training', 'test', 'testing', 'val', 'valid', 'validation', 'source', 'target']);

/**
 * A warning when a folder's sub-folders look like roles (`train/`, `test/`, `unlabeled/` ...)
 * rather than classes, with the command that scans them as what they are; null otherwise.
 */
export async function roleFolderWarning(path: string): Promise<string | null> {
  let entries;
  try {
    entries = (await readdir(path, { withFileTypes: true })).filter((e) => e.isDirectory() && !isHiddenName(e.name));
  } catch {
    return null;
  }
  const roles = entries.map((e) => e.name).filter((n) => ROLE_NAMES.has(n.toLowerCase()));
  if (roles.length === 0) return null;
  const dir = displayPath(path);
  const pick = (...names: string[]) => roles.find((r) => names.includes(r.toLowerCase()));
  const labeled = pick('labeled', 'labelled', 'train', 'training') ?? roles[0];
  const args = [`${dir}/${labeled}`];
  for (const r of roles) {
    if (r === labeled) continue;
    const lower = r.toLowerCase();
    if (['unlabeled', 'unlabelled', 'target'].includes(lower)) args.push(`--unlabeled ${dir}/${r}`);
    else if (['test', 'testing', 'val', 'valid', 'validation'].includes(lower)) args.push(`--test ${dir}/${r}`);
  }
  return [
    `warning: the sub-folders of ${dir} look like roles (${roles.map((r) => `${r}/`).join(', ')}), not classes:`,
    `  each is read as one class below. Point attune scan at the folder that holds the class folders, e.g.`,
    `  attune scan ${args.join(' ')}`,
  ].join('\n');
}

/** A path as the user typed it, normalised, with forward slashes and no trailing slash. */
function displayPath(path: string): string {
  return normalize(path).replace(/\\/g, '/').replace(/(.)\/+$/, '$1');
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Formats a health report for a terminal. */
export function formatHealth(h: HealthReport, limit = 20): string {
  const lines: string[] = [];
  lines.push(`${h.readable} of ${plural(h.total, 'image')} decode`);
  const roles = Object.entries(h.byRole).map(([r, n]) => `${r} ${n}`).join(', ');
  if (roles) lines.push(`  by role: ${roles}`);
  const classes = Object.entries(h.classes);
  if (classes.length) {
    lines.push('', `Classes (${classes.length}, imbalance ${h.imbalanceRatio.toFixed(1)}×):`);
    const max = Math.max(...classes.map(([, n]) => n));
    const width = Math.max(...classes.map(([c]) => c.length));
    for (const [c, n] of classes) lines.push(`  ${c.padEnd(width)} ${String(n).padStart(7)} ${'█'.repeat(Math.max(1, Math.round((n / max) * 30)))}`);
  }
  if (h.problems.length) {
    lines.push('', `Problems (${h.problems.length}):`);
    for (const p of h.problems.slice(0, limit)) lines.push(`  ${p.path}: ${p.reason}`);
    if (h.problems.length > limit) lines.push(`  … and ${h.problems.length - limit} more (--all lists them)`);
  }
  if (h.duplicates.length) {
    lines.push('', `Identical files (${plural(h.duplicates.length, 'group')}, ${h.leakageCount} across roles):`);
    for (const d of h.duplicates.slice(0, limit)) lines.push(`  ${d.leakage ? 'LEAK ' : ''}${d.paths.join('  =  ')}${d.labels.length > 1 ? `  (labels: ${d.labels.join(', ')})` : ''}`);
    if (h.duplicates.length > limit) lines.push(`  … and ${h.duplicates.length - limit} more`);
  }
  if (h.unusualModes.length) {
    lines.push('', 'Unusual modes (converted in the decode cache):');
    for (const m of h.unusualModes) lines.push(`  ${m.kind}: ${m.count} (e.g. ${m.examples[0]}) → ${m.conversion}`);
  }
  lines.push('', `Sizes: short side min ${h.size.minSide}, median ${h.size.medianShortSide}; long side max ${h.size.maxSide} px`);
  if (h.smallImages.count) lines.push(`  ${plural(h.smallImages.count, 'image')} under ${h.smallImages.threshold} px (e.g. ${h.smallImages.examples.join(', ')})`);
  lines.push(`Suggested training resolution: ${h.suggestedResolution}×${h.suggestedResolution}`);
  return lines.join('\n');
}

function progressLine(p: ScanProgress): string {
  const eta = p.etaSeconds === null ? '' : `, ETA ${Math.ceil(p.etaSeconds)} s`;
  return `\rscanned ${p.done}${p.total !== null ? `/${p.total}` : ''} (${p.rate.toFixed(0)}/s${eta})   `;
}

/** Scans, then prints the report (human, or JSON as the last line). */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    json: { type: 'boolean' },
    all: { type: 'boolean' },
    unlabeled: { type: 'string', multiple: true },
    test: { type: 'string', multiple: true },
    'max-pixels': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return io.out(USAGE), 0;
  if (positionals.length !== 1) throw new UsageError(`attune scan takes one folder or CSV file\n${USAGE}`);
  const specs: SourceSpec[] = [await detectSource(positionals[0])];
  const multi = (values.unlabeled?.length ?? 0) + (values.test?.length ?? 0) > 0;
  // several folders: each record's path starts with its folder as the user typed it (a path
  // that exists), never with a made-up name
  const prefixOf = (path: string, csv: boolean) => (csv ? displayPath(dirname(path)) : displayPath(path));
  if (multi) specs[0].prefix = prefixOf(positionals[0], specs[0].kind === 'csv');
  values.unlabeled?.forEach((path) => specs.push({ kind: 'unlabeled-folder', path, prefix: prefixOf(path, false) }));
  values.test?.forEach((path) => specs.push({ kind: 'labeled-folder', path, role: 'test', prefix: prefixOf(path, false) }));
  for (const s of specs.slice(1)) await detectSource(s.path);
  for (const s of specs) {
    const warning = s.kind === 'labeled-folder' ? await roleFolderWarning(s.path) : null;
    if (warning) io.err(warning);
  }
  const maxPixels = numberFlag(values['max-pixels'], 'max-pixels', 100_000_000);
  const acc = new HealthAccumulator();
  const showProgress = io.isTTY && !values.json;
  try {
    for await (const batch of scanSources(specs, { maxPixels, onProgress: showProgress ? (p) => io.err(progressLine(p)) : undefined })) {
      for (const r of batch) acc.add(r);
    }
  } catch (e) {
    io.err(`attune scan: ${(e as Error).message}`);
    return 1;
  }
  if (showProgress) io.err('\n');
  const report = acc.report();
  if (report.total === 0) {
    const where = specs.map((x) => displayPath(x.path)).join(', ');
    io.err(`attune scan: no images found in ${where} (looked for ${[...IMAGE_EXTENSIONS].join(' ')}; hidden files are skipped)`);
    return 1;
  }
  if (values.json) io.out(JSON.stringify(report));
  else io.out(formatHealth(report, values.all ? Infinity : 20));
  if (report.readable === 0) {
    io.err(`attune scan: none of the ${plural(report.total, 'image')} found decodes`);
    return 1;
  }
  return 0;
}
