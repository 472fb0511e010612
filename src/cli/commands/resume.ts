/**
 * `attune resume RUN_ID --project DIR [--restart-stage]`: continues a paused, interrupted or
 * failed run from its newest intact checkpoint; `--restart-stage` starts it over when no
 * checkpoint of it is intact.
 */
import { parseFlags, UsageError } from '../args';
import type { CliIo } from '../io';
import { createNodeApp } from '../../main/node-app';
import { followRuns, formatResults } from './run';

export const summary = 'continue a paused, interrupted or failed run from its last checkpoint';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, { project: { type: 'string' }, json: { type: 'boolean' }, 'restart-stage': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return io.out('Usage: attune resume RUN_ID --project DIR [--json] [--restart-stage]\n\n--restart-stage  when no checkpoint of the run is intact, start it over instead of refusing'), 0;
  if (!values.project) throw new UsageError('--project DIR is required');
  if (positionals.length !== 1) throw new UsageError('give exactly one run id (see attune runs --project DIR)');
  const app = createNodeApp('cli');
  try {
    const id = app.runs.resolveId(values.project, positionals[0]);
    app.runs.resume(values.project, id, { restartStage: !!values['restart-stage'] });
    const [result] = await followRuns(app, values.project, [id], io, !!values.json);
    io.out(values.json ? JSON.stringify(result) : formatResults([result]));
    return result.status === 'completed' ? 0 : 1;
  } finally {
    await app.shutdown();
  }
}
