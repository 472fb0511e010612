/**
 * `attune study fashion-mnist [--quick] [--seeds N] [--project DIR] [--json]`: the built-in
 * domain-adaptation study (Fashion-MNIST clothes → shoes and bags, eight arms, paired seeds).
 * Progress goes to stderr; the report (markdown) to stdout, and with --json one JSON object on
 * the last line. Every arm × seed is stored as a run of the project for the Compare view.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { numberFlag, parseFlags, UsageError } from '../args';
import type { CliIo } from '../io';
import { createNodeApp } from '../../main/node-app';
import { dbPath } from '../../main/store/db';
import { ProjectStore } from '../../main/store/project-store';
import { defaultUserDataDir } from '../../main/paths';
import { ARM_NAMES, checkFashionFiles, FASHION_MNIST_DIR, type ArmName } from '../../main/services/study/arms';
import { BUDGETS, type StudyBudget } from '../../main/services/study/budget';
import { renderStudyMarkdown } from '../../main/services/study/markdown';
import { writeStudyReport } from '../../main/services/study/record';
import { runStudy, studyFolder, type ArmSeedResult } from '../../main/services/study/run-study';
import { summarizeStudy } from '../../main/services/study/summary';

export const summary = 'run the built-in Fashion-MNIST domain-adaptation study (8 arms as recipes, paired seeds); --quick for a shorter one';

const USAGE = `Usage: attune study fashion-mnist [--quick] [--seeds N] [--arms A,B] [--project DIR] [--json] [--data DIR] [--markdown FILE] [--raw FILE]

  --quick          a sixth of the full supervised source steps, a third of the SSL ones, one seed,
                   a 1000-image test subset (every arm still fine-tunes with its preset's plan)
  --budget NAME    full (default), quick, or mini (a seconds-long miniature for tests)
  --seeds N        seeds K..K+N-1 (default: 3 for full, 1 for quick and mini)
  --first-seed K   the first seed (default 0)
  --arms A,B       only these arms (default: all eight); an arm another one starts from runs too
  --project DIR    where the runs are stored (default: a folder in the user-data dir); a run of
                   the same recipe that completed there before is reused, so a stopped study
                   continues where it stopped
  --data DIR       the Fashion-MNIST IDX folder (default ${FASHION_MNIST_DIR})
  --markdown FILE  also write the report to FILE
  --raw FILE       also write every arm × seed result as JSON (bench/study/report.ts merges these);
                   FILE.partial holds the arms finished so far while the study runs

Every arm is a recipe in resources/recipes/study, run per seed through the same run service as
\`attune run\`; the recipe of each arm and seed is written to the project's studies/ folder.
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
    arms: { type: 'string' }, data: { type: 'string' }, markdown: { type: 'string' }, raw: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return io.out(USAGE), 0;
  if (positionals.length !== 1 || positionals[0] !== 'fashion-mnist') throw new UsageError(`the only study is "fashion-mnist" (attune study fashion-mnist ...)\n\n${USAGE}`);
  const budget = budgetFromFlags(!!values.quick, values.budget);
  const seedCount = numberFlag(values.seeds, 'seeds', budget.name === 'full' ? 3 : 1);
  if (!Number.isInteger(seedCount) || seedCount < 1 || seedCount > 100) throw new UsageError(`--seeds must be an integer from 1 to 100, got ${values.seeds}`);
  const first = numberFlag(values['first-seed'], 'first-seed', 0);
  if (!Number.isInteger(first) || first < 0) throw new UsageError(`--first-seed must be a non-negative integer, got ${values['first-seed']}`);
  const seeds = Array.from({ length: seedCount }, (_, i) => first + i);
  const arms = values.arms?.split(',').map((a) => a.trim()).filter(Boolean);
  const unknown = arms?.filter((a) => !(ARM_NAMES as readonly string[]).includes(a)) ?? [];
  if (arms && (arms.length === 0 || unknown.length)) throw new UsageError(`--arms takes arm names from ${ARM_NAMES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
  const dataDir = values.data ?? FASHION_MNIST_DIR;
  const projectDir = values.project ?? join(defaultUserDataDir(), 'projects', 'fashion-mnist-study');
  const log = (m: string) => io.err(m);

  checkFashionFiles(dataDir);
  if (!existsSync(dbPath(projectDir))) {
    mkdirSync(projectDir, { recursive: true });
    ProjectStore.create(projectDir, 'Fashion-MNIST study').close();
  }
  log(`budget ${budget.name}; seeds ${seeds.join(', ')}; project ${resolve(projectDir)}`);
  const app = createNodeApp('cli');
  try {
    // with --raw, the arms finished so far are on disk after each one (an interrupted study keeps them)
    const done: ArmSeedResult[] = [];
    const onArm = values.raw ? (r: ArmSeedResult) => (done.push(r), writeFileSync(`${values.raw}.partial`, JSON.stringify(done))) : undefined;
    const result = await runStudy({ app, project: projectDir, dataDir, budget, seeds, onLog: log, onArm, ...(arms ? { arms: arms as ArmName[] } : {}) });
    const report = summarizeStudy(result);
    const command = `attune study fashion-mnist${budget.name === 'quick' ? ' --quick' : budget.name === 'mini' ? ' --budget mini' : ''} --seeds ${seedCount}${first ? ` --first-seed ${first}` : ''}`;
    const markdown = renderStudyMarkdown(report, { command });
    const paths = writeStudyReport(studyFolder(projectDir, result.studyId), report, markdown);
    if (values.markdown) writeFileSync(values.markdown, markdown);
    if (values.raw) writeFileSync(values.raw, JSON.stringify(result));
    log(`${result.results.length} runs stored in ${resolve(projectDir)}; report ${paths.markdown}`);
    io.out(markdown);
    if (values.json) io.out(JSON.stringify({ ...report, project: resolve(projectDir), runIds: result.results.map((r) => r.runId) }));
    return 0;
  } finally {
    await app.shutdown();
  }
}
