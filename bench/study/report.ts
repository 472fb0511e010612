// Merges study result files (bench/study/run.ts output, one per process) and PyTorch reference
// files (bench/peer/study_torch.py --out) into the STUDY.md tables:
//   npx tsx bench/study/report.ts --attune a.json,b.json --torch t.json[,t2.json] [--title T] [--backend TEXT]
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { StudyResult } from '../../src/main/services/study/run-study';
import { summarizeStudy } from '../../src/main/services/study/summary';
import { renderStudyMarkdown, type PeerResults } from '../../src/main/services/study/markdown';

const { values } = parseArgs({ options: { attune: { type: 'string' }, torch: { type: 'string' }, title: { type: 'string' }, backend: { type: 'string' }, partial: { type: 'boolean' } } });
const files = (values.attune ?? '').split(',').filter(Boolean);
const parts = files.map((f) => {
  if (existsSync(f)) return JSON.parse(readFileSync(f, 'utf8')) as StudyResult & { backend?: string };
  if (values.partial && existsSync(`${f}.partial`)) {
    const results = JSON.parse(readFileSync(`${f}.partial`, 'utf8'));
    return { results, seeds: [...new Set(results.map((r: { seed: number }) => r.seed))], base: [], seconds: 0, budget: { name: 'quick (partial)' }, counts: { source: 30000, targetPool: 30000, targetTest: 1000, labeledPerClass: 10 } } as unknown as StudyResult;
  }
  throw new Error(`${f}: not found`);
});
const merged: StudyResult = {
  ...parts[0],
  seeds: parts.flatMap((p) => p.seeds),
  results: parts.flatMap((p) => p.results),
  base: parts.flatMap((p) => p.base),
  seconds: parts.reduce((s, p) => s + p.seconds, 0),
};
const peerFiles = (values.torch ?? '').split(',').filter((f) => f && existsSync(f));
const peer: PeerResults | undefined = peerFiles.length
  ? peerFiles.map((f) => JSON.parse(readFileSync(f, 'utf8')) as PeerResults).reduce((a, b) => ({ ...a, results: [...a.results, ...b.results] }))
  : undefined;
const summary = summarizeStudy(merged);
process.stdout.write(renderStudyMarkdown(summary, { title: values.title, backend: values.backend ?? 'wasm', peer }));
for (const a of summary.arms) process.stderr.write(`${a.name} phases(s/seed): ${JSON.stringify(merged.results.filter((r) => r.arm === a.name).map((r) => r.phases))}\n`);
