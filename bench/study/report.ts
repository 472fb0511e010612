// Merges study result files (`attune study ... --raw FILE`, one per process; with --partial,
// FILE.partial of a study that was stopped) and PyTorch reference files
// (bench/peer/study_torch.py --out) into the STUDY.md tables:
//   npx tsx bench/study/report.ts --attune a.json,b.json --torch t.json[,t2.json] [--partial] [--title T] [--backend TEXT]
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ArmSeedResult, StudyResult } from '../../src/main/services/study/run-study';
import { BUDGETS } from '../../src/main/services/study/budget';
import { summarizeStudy } from '../../src/main/services/study/summary';
import { renderStudyMarkdown, type PeerResults } from '../../src/main/services/study/markdown';

const { values } = parseArgs({ options: { attune: { type: 'string' }, torch: { type: 'string' }, title: { type: 'string' }, backend: { type: 'string' }, partial: { type: 'boolean' } } });
const files = (values.attune ?? '').split(',').filter(Boolean);
const complete = files.filter(existsSync).map((f) => JSON.parse(readFileSync(f, 'utf8')) as StudyResult);
if (complete.length === 0) throw new Error('give at least one complete --attune file (it names the budget)');
const parts: StudyResult[] = files.map((f) => {
  if (existsSync(f)) return JSON.parse(readFileSync(f, 'utf8')) as StudyResult;
  if (values.partial && existsSync(`${f}.partial`)) {
    // the arms a stopped study finished: same budget and counts as the complete files
    const results = JSON.parse(readFileSync(`${f}.partial`, 'utf8')) as ArmSeedResult[];
    const base = results.filter((r) => r.arm === 'base').map((r) => ({ seed: r.seed, steps: r.baseSteps, seconds: r.phases.pretrain }));
    return { ...complete[0], results, seeds: [...new Set(results.map((r) => r.seed))], base, seconds: 0 };
  }
  throw new Error(`${f}: not found`);
});
// an arm × seed appears once, even where a continued study reused the run (same run id)
const byKey = new Map<string, ArmSeedResult>();
for (const r of parts.flatMap((p) => p.results)) if (!byKey.has(`${r.arm}/${r.seed}`)) byKey.set(`${r.arm}/${r.seed}`, r);
const results = [...byKey.values()];
const merged: StudyResult = {
  ...parts[0],
  budget: BUDGETS[parts[0].budget.name] ?? parts[0].budget,
  seeds: [...new Set(results.map((r) => r.seed))].sort((a, b) => a - b),
  results,
  base: [...new Map(parts.flatMap((p) => p.base).map((b) => [b.seed, b])).values()],
  seconds: parts.reduce((s, p) => s + p.seconds, 0),
};
const peerFiles = (values.torch ?? '').split(',').filter((f) => f && existsSync(f));
const peer: PeerResults | undefined = peerFiles.length
  ? peerFiles.map((f) => JSON.parse(readFileSync(f, 'utf8')) as PeerResults).reduce((a, b) => ({ ...a, results: [...a.results, ...b.results] }))
  : undefined;
const summary = summarizeStudy(merged);
process.stdout.write(renderStudyMarkdown(summary, { title: values.title, backend: values.backend ?? 'wasm', peer }));
for (const a of summary.arms) process.stderr.write(`${a.name} phases (s per seed): ${JSON.stringify(merged.results.filter((r) => r.arm === a.name).map((r) => r.phases))}\n`);
