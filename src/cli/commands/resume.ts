/** `attune resume RUN_ID --project DIR`: continues a paused, interrupted or failed run from its last checkpoint. */
import { parseFlags, UsageError } from '../args';
import type { CliIo } from '../io';
import { createNodeApp } from '../../main/node-app';
import { followRuns, formatResults } from './run';

export const summary = 'continue a paused, interrupted or failed run from its last checkpoint';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, { project: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return io.out('Usage: attune resume RUN_ID --project DIR [--json]'), 0;
  if (!values.project) throw new UsageError('--project DIR is required');
  if (positionals.length !== 1) throw new UsageError('give exactly one run id (see attune runs --project DIR)');
  const app = createNodeApp('cli');
  try {
    const id = app.runs.resolveId(values.project, positionals[0]);
    app.runs.resume(values.project, id);
    const [result] = await followRuns(app, values.project, [id], io, !!values.json);
    io.out(values.json ? JSON.stringify(result) : formatResults([result]));
    return result.status === 'completed' ? 0 : 1;
  } finally {
    await app.shutdown();
  }
}
