// Per-step cost of every phase at the quick budget's model size, to extrapolate study wall time.
// npx tsx bench/study/phases.ts
import { initBackend } from '../../src/engine/backend/index';
import { loadStudyDomains } from '../../src/engine/study/data';
import { BUDGETS, type StudyBudget } from '../../src/engine/study/budget';
import { runStudy } from '../../src/engine/study/run-study';
await initBackend({ force: 'wasm' });
const b: StudyBudget = { ...BUDGETS.quick, baseSteps: 10, specialistSteps: 12, adaptSteps: 3, finetuneSteps: 5 };
const d = await loadStudyDomains(undefined, b.limits);
const r = await runStudy(d, { budget: b, seeds: [0], onLog: (m) => console.log(m) });
for (const a of r.results) console.log(a.arm, JSON.stringify(a.phases));
console.log(JSON.stringify(r.base), r.seconds.toFixed(1), 's');
process.exit(0);
