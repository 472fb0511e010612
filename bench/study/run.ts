// Runs a study budget and writes every per-seed result as JSON (the CLI does the same with
// reporting): npx tsx bench/study/run.ts quick 0,1,2 out.json
import { writeFileSync } from 'node:fs';
import { initBackend } from '../../src/engine/backend/index';
import { loadStudyDomains } from '../../src/engine/study/data';
import { BUDGETS } from '../../src/engine/study/budget';
import { runStudy, type ArmSeedResult } from '../../src/engine/study/run-study';
const [name = 'quick', seedList = '0', out = 'bench/study/result.json'] = process.argv.slice(2);
const report = await initBackend({ force: 'wasm' });
const b = BUDGETS[name as keyof typeof BUDGETS];
const seeds = seedList.split(',').map(Number);
const d = await loadStudyDomains(undefined, b.limits);
const partial: ArmSeedResult[] = [];
const r = await runStudy(d, {
  budget: b, seeds, onLog: (m) => console.log(new Date().toISOString().slice(11, 19), m),
  onArm: (a) => { partial.push(a); writeFileSync(out + '.partial', JSON.stringify(partial)); },
});
writeFileSync(out, JSON.stringify({ ...r, backend: report.backend ?? 'wasm' }));
console.log('done', r.seconds.toFixed(0), 's');
process.exit(0);
