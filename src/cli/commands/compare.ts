/** `attune compare`: the blog-style table of runs or run groups, and an HTML report with curves. */
import { writeFileSync } from 'node:fs';
import { parseFlags, UsageError } from '../args';
import type { CliIo } from '../io';
import { createNodeApp } from '../../main/node-app';
import { compareRuns, formatCompareTable } from '../../main/services/runs/compare';
import { compareHtml } from '../../main/services/runs/compare-html';

export const summary = 'compare runs: loss, AUC, F1, accuracy with and without TTA, mean ± std over seeds';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    project: { type: 'string' }, json: { type: 'boolean' }, html: { type: 'string' }, 'by-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return io.out('Usage: attune compare RUN_ID... --project DIR [--json] [--html OUT.html] [--by-run]\n\nRuns of one group (the seeds of a recipe) form one row unless --by-run.'), 0;
  if (!values.project) throw new UsageError('--project DIR is required');
  if (positionals.length === 0) throw new UsageError('give at least one run id (see attune runs --project DIR)');
  const app = createNodeApp('cli');
  try {
    const ids = positionals.map((p) => app.runs.resolveId(values.project!, p));
    const report = compareRuns(app.projects.get(values.project), ids, [], !values['by-run']);
    if (values.html) {
      writeFileSync(values.html, compareHtml(report));
      if (!values.json) io.out(`wrote ${values.html}`);
    }
    io.out(values.json ? JSON.stringify(report) : formatCompareTable(report));
    return report.rows.length > 0 ? 0 : 1;
  } finally {
    await app.shutdown();
  }
}
