/**
 * `attune run RECIPE.yaml --project DIR`: validates the recipe, queues one run per seed through
 * the same run service as the app, and follows them (progress with ETA on a terminal, log lines
 * otherwise); `--dry-run` prints the expanded stages and the estimate instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dbPath } from '../../main/store/db';
import { basename, dirname, resolve } from 'node:path';
import { parseFlags, UsageError } from '../args';
import type { CliIo } from '../io';
import { createNodeApp, type NodeApp } from '../../main/node-app';
import type { RunEstimate, RunSummary } from '../../shared/schemas/run';

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
    const metrics = m ? ` loss ${f(m.loss)} AUC ${f(m.auc)} F1 ${f(m.f1)} acc ${f(m.accuracy)}${t ? ` | TTA loss ${f(t.loss)} AUC ${f(t.auc)} F1 ${f(t.f1)} acc ${f(t.accuracy)}` : ''}` : '';
    return `${r.id} ${r.status}${r.error ? ` (${r.error})` : ''}${metrics}`;
  }).join('\n');
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    project: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return io.out('Usage: attune run RECIPE.yaml --project DIR [--dry-run] [--json]\n\nA folder without a project becomes one. See `attune recipes` for the presets a recipe file can start from.'), 0;
  if (!values.project) throw new UsageError('--project DIR is required');
  if (positionals.length !== 1) throw new UsageError('give exactly one recipe file');
  const file = resolve(positionals[0]);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read the recipe (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const app = createNodeApp('cli');
  try {
    if (!existsSync(dbPath(values.project))) {
      const created = app.projects.create(basename(resolve(values.project)), values.project);
      io.err(`created a new project "${created.name}" in ${created.folder}`);
    }
    const input = { project: values.project, recipe: text, baseDir: dirname(file) };
    if (values['dry-run']) {
      const ex = app.runs.expand(input);
      const estimate = await app.runs.estimate(input);
      if (values.json) io.out(JSON.stringify({ configs: ex.configs, estimate }));
      else {
        io.out(`Recipe ${ex.recipe.name} (${ex.preset.name}), seeds ${ex.recipe.seeds.join(', ')}, batch ${ex.configs[0].batchSize}:`);
        io.out(formatEstimate(estimate));
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
  }
}
