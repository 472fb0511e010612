// Merges bench/study/uft-ablation.ts outputs (one per seed) into a markdown table:
//   npx tsx bench/study/ablation-report.ts a.json b.json c.json
import { readFileSync } from 'node:fs';
import { meanStd } from '../../src/engine/study/summary';

interface Row { variant: string; seed: number; linearProbe: number; finetune: number }
const rows: Row[] = process.argv.slice(2).flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { results: Row[] }).results);
const variants = [...new Set(rows.map((r) => r.variant))];
const seeds = [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b);
const pct = (x: number) => (x * 100).toFixed(1);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;
const of = (v: string, s: number) => rows.find((r) => r.variant === v && r.seed === s)!;
const plain = variants[0];
console.log(`| variant | LP acc | FT acc | ΔLP vs ${plain} (per seed ${seeds.join(', ')}) | ΔFT vs ${plain} (per seed) |`);
console.log('|---|---|---|---|---|');
for (const v of variants) {
  const lp = meanStd(seeds.map((s) => of(v, s).linearProbe));
  const ft = meanStd(seeds.map((s) => of(v, s).finetune));
  const dLp = seeds.map((s) => of(v, s).linearProbe - of(plain, s).linearProbe);
  const dFt = seeds.map((s) => of(v, s).finetune - of(plain, s).finetune);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`| ${v} | ${pct(lp.mean)} ± ${pct(lp.std)} | ${pct(ft.mean)} ± ${pct(ft.std)} | ${signed(mean(dLp))} (${dLp.map(signed).join(' / ')}) | ${signed(mean(dFt))} (${dFt.map(signed).join(' / ')}) |`);
}
