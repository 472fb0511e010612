/**
 * `attune study fashion-mnist [--quick] [--seeds N] [--project DIR] [--json]`: the built-in
 * domain-adaptation study (Fashion-MNIST clothes → shoes and bags, eight arms, paired seeds).
 * Progress goes to stderr; the report (markdown) to stdout, and with --json one JSON object on
 * the last line. Every arm × seed is stored as a run of the project for the Compare view.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { numberFlag, parseFlags, UsageError } from '../args';
import type { CliIo } from '../io';
import { initBackend } from '../../engine/backend';
import { BUDGETS, type StudyBudget } from '../../engine/study/budget';
import { FASHION_MNIST_DIR, loadStudyDomains } from '../../engine/study/data';
import { renderStudyMarkdown } from '../../engine/study/markdown';
import { runStudy } from '../../engine/study/run-study';
import { summarizeStudy } from '../../engine/study/summary';
import { defaultUserDataDir } from '../../main/paths';
import { openOrCreateProject, StudyRecorder } from '../../main/services/study/record';

export const summary = 'run the built-in Fashion-MNIST domain-adaptation study (8 arms, paired seeds); --quick for ~8 min';

const USAGE = `Usage: attune study fashion-mnist [--quick] [--seeds N] [--project DIR] [--json] [--data DIR] [--markdown FILE] [--raw FILE]

  --quick          a sixth of the full supervised steps, a third of the SSL ones, one seed,
                   a 1000-image test subset (about 8 min on a 2-core CPU)
  --budget NAME    full (default), quick, or mini (a seconds-long miniature for tests)
  --seeds N        seeds K..K+N-1 (default: 3 for full, 1 for quick and mini)
  --first-seed K   the first seed (default 0): split a study over processes, e.g. one seed each
                   with ATTUNE_WASM_THREADS=1 (two single-threaded processes beat one two-threaded)
  --project DIR    where the runs are stored (default: a folder in the user-data dir)
  --data DIR       the Fashion-MNIST IDX folder (default ${FASHION_MNIST_DIR})
  --markdown FILE  also write the report to FILE
  --raw FILE       also write every arm × seed result as JSON (bench/study/report.ts merges these)
  --json           print the report as one JSON object on the last line`;

/** The budget the flags ask for. */
export function budgetFromFlags(quick: boolean, name: string | undefined): StudyBudget {
  if (quick && name && name !== 'quick') throw new UsageError(`--quick and --budget ${name} contradict each other`);
  const key = quick ? 'quick' : (name ?? 'full');
  const b = BUDGETS[key as keyof typeof BUDGETS];
  if (!b) throw new UsageError(`--budget must be one of ${Object.keys(BUDGETS).join(', ')}, got "${key}"`);
  return b;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    quick: { type: 'boolean' }, budget: { type: 'string' }, seeds: { type: 'string' }, 'first-seed': { type: 'string' }, project: { type: 'string' },
    data: { type: 'string' }, markdown: { type: 'string' }, raw: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return io.out(USAGE), 0;
  if (positionals.length !== 1 || positionals[0] !== 'fashion-mnist') throw new UsageError(`the only study is "fashion-mnist" (attune study fashion-mnist ...)\n\n${USAGE}`);
  const budget = budgetFromFlags(!!values.quick, values.budget);
  const seedCount = numberFlag(values.seeds, 'seeds', budget.name === 'full' ? 3 : 1);
  if (!Number.isInteger(seedCount) || seedCount < 1 || seedCount > 100) throw new UsageError(`--seeds must be an integer from 1 to 100, got ${values.seeds}`);
  const first = numberFlag(values['first-seed'], 'first-seed', 0);
  if (!Number.isInteger(first) || first < 0) throw new UsageError(`--first-seed must be a non-negative integer, got ${values['first-seed']}`);
  const seeds = Array.from({ length: seedCount }, (_, i) => first + i);
  const dataDir = values.data ?? FASHION_MNIST_DIR;
  const projectDir = values.project ?? join(defaultUserDataDir(), 'projects', 'fashion-mnist-study');
  const log = (m: string) => io.err(m);

  const backend = await initBackend();
  log(`backend ${backend.backend}${backend.threads ? ` (${backend.threads} threads)` : ''}; budget ${budget.name}; seeds ${seeds.join(', ')}; project ${projectDir}`);
  const domains = await loadStudyDomains(dataDir, budget.limits);
  const recorder = new StudyRecorder(openOrCreateProject(projectDir, 'Fashion-MNIST study'), budget, dataDir);
  try {
    const result = await runStudy(domains, { budget, seeds, onLog: log, onArm: (r) => void recorder.record(r) });
    const report = summarizeStudy(result);
    const command = `attune study fashion-mnist${budget.name === 'quick' ? ' --quick' : budget.name === 'mini' ? ' --budget mini' : ''} --seeds ${seedCount}${first ? ` --first-seed ${first}` : ''}`;
    const markdown = renderStudyMarkdown(report, { command, backend: `${backend.backend}${backend.threads ? `, ${backend.threads} threads` : ''}` });
    const paths = recorder.writeReport(report, markdown);
    if (values.markdown) writeFileSync(values.markdown, markdown);
    if (values.raw) writeFileSync(values.raw, JSON.stringify({ ...result, backend: backend.backend }));
    log(`${recorder.runIds.length} runs stored in ${recorder.folder}; report ${paths.markdown}`);
    io.out(markdown);
    if (values.json) io.out(JSON.stringify({ ...report, project: recorder.folder, runIds: recorder.runIds }));
    return 0;
  } finally {
    recorder.close();
  }
}
