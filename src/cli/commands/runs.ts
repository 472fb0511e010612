/** `attune runs`: the run history of a project. */
import { parseFlags, UsageError } from '../args';
import type { CliIo } from '../io';
import { createNodeApp } from '../../main/node-app';
import type { RunSummary } from '../../shared/schemas/run';

export const summary = 'list the runs of a project with their status and test metrics';

/** The history as a table. */
export function formatRuns(runs: RunSummary[]): string {
  if (runs.length === 0) return 'No runs yet. Start one with: attune run RECIPE.yaml --project DIR';
  const f = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(4));
  const header = ['id', 'name', 'recipe', 'status', 'created', 'loss', 'auc', 'f1', 'accuracy'];
  const rows = runs.map((r) => [r.id.slice(0, 8), r.name, r.recipe, r.status + (r.error ? '!' : ''), r.createdAt.slice(0, 19).replace('T', ' '),
    f(r.result?.plain.loss), f(r.result?.plain.auc), f(r.result?.plain.f1), f(r.result?.plain.accuracy)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd();
  const errors = runs.filter((r) => r.error).map((r) => `${r.id.slice(0, 8)}: ${r.error}`);
  return [line(header), ...rows.map(line), ...(errors.length ? ['', ...errors] : [])].join('\n');
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, { project: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return io.out('Usage: attune runs --project DIR [--json]'), 0;
  if (!values.project) throw new UsageError('--project DIR is required');
  const app = createNodeApp('cli');
  try {
    const list = app.runs.list(values.project);
    io.out(values.json ? JSON.stringify(list) : formatRuns(list));
    return 0;
  } finally {
    await app.shutdown();
  }
}
