/**
 * `attune run RECIPE.yaml --project DIR`: validates the recipe, queues one run per seed through
 * the same run service as the app, and follows them (progress with ETA on a terminal, log lines
 * otherwise); `--dry-run` prints the expanded stages and the estimate instead.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dbPath } from '../../main/store/db';
import { basename, dirname, join, resolve } from 'node:path';
import { parseFlags, UsageError } from '../args';
import type { CliIo } from '../io';
import { createNodeApp, type NodeApp } from '../../main/node-app';
import { ProjectStore } from '../../main/store/project-store';
import { getPreset } from '../../main/services/runs/presets';
import { RecipeError, expandRecipe, parseRecipe } from '../../main/services/runs/expand';
import { PRESET_NAMES, type PresetName } from '../../shared/schemas/recipe';
import type { RunEstimate, RunSummary } from '../../shared/schemas/run';
import { minimalRecipe } from '../recipe-template';

export const summary = 'run a recipe file in a project (queued through the run service); --dry-run estimates';

/** Seconds as `1h 02m`, `3m 05s` or `12s`. */
export function formatDuration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '?';
  const t = Math.max(0, Math.round(s));
  if (t >= 3600) return `${Math.floor(t / 3600)}h ${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
  if (t >= 60) return `${Math.floor(t / 60)}m ${String(t % 60).padStart(2, '0')}s`;
  return `${t}s`;
}

/** The estimate as text. */
export function formatEstimate(e: RunEstimate): string {
  const lines = e.stages.map((s) => `  ${s.name.padEnd(10)} ${s.kind.padEnd(9)} ${String(s.steps).padStart(7)} steps ${String(s.images).padStart(10)} images  ~${formatDuration(s.seconds)}`);
  return [
    `Estimate (${e.runs} run${e.runs === 1 ? '' : 's'}; ${e.backend}, ${e.imagesPerSecond.toFixed(1)} train img/s measured):`,
    ...lines,
    `  total: ${e.totalSteps} steps, ${e.images} images per run; about ${formatDuration(e.seconds)} for all runs`,
    ...e.notes.map((n) => `  note: ${n}`),
  ].join('\n');
}

/**
 * Follows runs until none is queued or running: progress with ETA (one redrawn line on a
 * terminal), stage changes and log lines. Ctrl-C pauses the current run at a checkpoint.
 */
export async function followRuns(app: NodeApp, project: string, runIds: string[], io: CliIo, quiet: boolean): Promise<RunSummary[]> {
  const watched = new Set(runIds);
  let lastLine = '';
  app.setEventSink((event, payload) => {
    if (quiet) return;
    const p = payload as { runId?: string };
    if (!p.runId || !watched.has(p.runId)) return;
    const id = p.runId.slice(0, 8);
    if (event === 'runs.stageProgress') {
      const s = payload as { stage: string; status: string; step: number; totalSteps: number; etaSeconds: number | null; runEtaSeconds: number | null };
      const line = `${id} ${s.stage} ${s.status === 'running' ? `${s.step}/${s.totalSteps}` : s.status} eta ${formatDuration(s.etaSeconds)} (run ${formatDuration(s.runEtaSeconds)})`;
      if (io.isTTY) process.stdout.write(`\r\x1b[2K${line}${s.status === 'running' ? '' : '\n'}`);
      else if (s.status !== 'running') io.out(`${id} stage ${s.stage}: ${s.status}`);
      lastLine = line;
    } else if (event === 'runs.log') {
      const l = payload as { level: string; message: string };
      io.out(`${io.isTTY && lastLine ? '\n' : ''}${id} ${l.level}: ${l.message}`);
    } else if (event === 'runs.status') {
      const s = payload as { status: string; error: string | null };
      io.out(`${id} ${s.status}${s.error ? `: ${s.error}` : ''}`);
    }
  });
  let current: string | undefined;
  const onSigint = () => {
    if (current) {
      io.err(`pausing ${current.slice(0, 8)} at its next step (resume with: attune resume ${current.slice(0, 8)} --project ${project})`);
      for (const id of runIds) void app.runs.pause(project, id).catch(() => undefined);
    }
  };
  process.on('SIGINT', onSigint);
  try {
    const out: RunSummary[] = [];
    for (const id of runIds) {
      current = id;
      out.push(await app.runs.waitFor(project, id));
    }
    return out;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** The final summary line(s). */
export function formatResults(runs: RunSummary[]): string {
  return runs.map((r) => {
    const m = r.result?.plain;
    const t = r.result?.tta;
    const f = (x: number) => x.toFixed(4);
    const lp = r.result?.linearProbe;
    const fl = r.result?.floor;
    const metrics = m ? ` loss ${f(m.loss)} AUC ${f(m.auc)} F1 ${f(m.f1)} acc ${f(m.accuracy)}${t ? ` | TTA loss ${f(t.loss)} AUC ${f(t.auc)} F1 ${f(t.f1)} acc ${f(t.accuracy)}` : ''}${lp ? ` | linear probe acc ${f(lp.accuracy)}` : ''}${fl ? ` | pixels-logreg floor acc ${f(fl.accuracy)}` : ''}` : '';
    return `${r.id} ${r.status}${r.error ? ` (${r.error})` : ''}${metrics}`;
  }).join('\n');
}

/** The answer to `attune run PRESET`: a preset is not a file; how to write one, and the smallest one. */
export function presetIsNotAFile(name: PresetName): string {
  return [
    `"${name}" is a recipe preset, not a recipe file. Write a recipe that starts from it, then pass that file:`,
    `  attune recipes ${name} > my-recipe.yaml              every key, explained; fill in the paths`,
    '  attune run my-recipe.yaml --project DIR --dry-run   checks it and estimates the time',
    `The smallest recipe for ${name}:`,
    '',
    minimalRecipe(getPreset(name)).trimEnd(),
  ].join('\n');
}

/**
 * Parses and checks the recipe (schema, stages, data folders, weights) before anything is created,
 * so a refused recipe leaves no project behind.
 */
export function checkRecipe(text: string, baseDir: string): void {
  try {
    expandRecipe(parseRecipe(text), baseDir);
  } catch (e) {
    if (e instanceof RecipeError) {
      throw new Error(`recipe refused: ${e.issues.map((i) => `${i.path}: ${i.message}`).join('\n  ')}\nNothing was created.`);
    }
    throw e;
  }
}

/** Entry of `attune run`. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    project: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return io.out('Usage: attune run RECIPE.yaml --project DIR [--dry-run] [--json]\n\nA folder without a project becomes one (not on --dry-run, and not when the recipe is refused).\n`attune recipes NAME > RECIPE.yaml` writes a ready-to-edit recipe for a preset.'), 0;
  if (positionals.length !== 1) throw new UsageError('give exactly one recipe file');
  const file = resolve(positionals[0]);
  if (!existsSync(file) && (PRESET_NAMES as readonly string[]).includes(positionals[0])) throw new UsageError(presetIsNotAFile(positionals[0] as PresetName));
  if (!values.project) throw new UsageError('--project DIR is required');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new UsageError(`${file}: cannot read the recipe (${code})${code === 'ENOENT' ? '; `attune recipes NAME > file.yaml` writes one for a preset' : ''}`);
  }
  checkRecipe(text, dirname(file));
  const exists = existsSync(dbPath(values.project));
  // a dry run creates nothing: without a project it estimates in a throwaway one
  const scratch = values['dry-run'] && !exists ? mkdtempSync(join(tmpdir(), 'attune-dry-run-')) : undefined;
  const project = scratch ? join(scratch, 'project') : values.project;
  const app = createNodeApp('cli');
  try {
    if (scratch) ProjectStore.create(project, 'dry run').close();
    else if (!exists) {
      // not added to the recent-projects list: a project joins it when the user opens it in the studio
      const store = ProjectStore.create(values.project, basename(resolve(values.project)));
      io.err(`created a new project "${basename(resolve(values.project))}" in ${store.folder}`);
      store.close();
    }
    const input = { project, recipe: text, baseDir: dirname(file) };
    if (values['dry-run']) {
      const ex = app.runs.expand(input);
      const estimate = await app.runs.estimate(input);
      if (values.json) io.out(JSON.stringify({ configs: ex.configs, estimate }));
      else {
        io.out(`Recipe ${ex.recipe.name} (${ex.preset.name}), seeds ${ex.recipe.seeds.join(', ')}, batch ${ex.configs[0].batchSize}:`);
        io.out(formatEstimate(estimate));
        if (scratch) io.out(`(${resolve(values.project)} has no project yet; a real run creates it)`);
      }
      return 0;
    }
    const { groupId, runIds } = app.runs.start(input);
    if (!values.json) io.out(`queued ${runIds.length} run(s) in group ${groupId}: ${runIds.join(', ')}`);
    const results = await followRuns(app, values.project, runIds, io, !!values.json);
    if (values.json) io.out(JSON.stringify({ groupId, runs: results }));
    else io.out(formatResults(results));
    return results.every((r) => r.status === 'completed') ? 0 : 1;
  } finally {
    await app.shutdown();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
