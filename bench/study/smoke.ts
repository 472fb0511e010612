// Mini study on real Fashion-MNIST (bookkeeping smoke test): npx tsx bench/study/smoke.ts
import { initBackend } from '../../src/engine/backend/index';
import { loadStudyDomains } from '../../src/engine/study/data';
import { BUDGETS } from '../../src/engine/study/budget';
import { runStudy } from '../../src/engine/study/run-study';
await initBackend({ force: 'wasm' });
const b = BUDGETS.mini;
const d = await loadStudyDomains(undefined, b.limits);
const r = await runStudy(d, { budget: b, seeds: [0], onLog: (m) => console.log(m) });
console.log(r.seconds.toFixed(1), 's');
process.exit(0);
