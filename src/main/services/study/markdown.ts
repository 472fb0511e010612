/**
 * The study report as markdown (the body of STUDY.md): the results table, the paired
 * differences per seed, and, when a PyTorch reference run is given, the two side by side.
 */
import { ARM_DESCRIPTIONS } from './arms';
import type { MeanStd } from '../../../shared/schemas/run';
import { meanStd } from '../../../shared/stats';
import type { StudySummary } from './summary';

/** The PyTorch reference's per-seed results (bench/peer/study_torch.py's JSON). */
export interface PeerResults {
  budget: string;
  torch?: string;
  seconds?: number;
  results: Array<{ arm: string; seed: number; drawId?: string; linearProbe: { accuracy: number; macroF1: number }; finetune: { accuracy: number; macroF1: number }; seconds?: number }>;
}

const pct = (v: number) => (Number.isFinite(v) ? (v * 100).toFixed(1) : '–');
/** mean ± std; a single seed has no spread, so it prints the value alone */
const pm = (m: MeanStd, n = 2) => (n > 1 ? `${pct(m.mean)} ± ${pct(m.std)}` : pct(m.mean));
const signed = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}` : '–');

/** The main results table. */
export function resultsTable(s: StudySummary): string {
  const head = '| arm | seeds | LP acc | LP macro-F1 | FT acc | FT macro-F1 | ΔLP vs base | ΔLP vs scratch | ΔFT vs base | ΔFT vs scratch | target SSL steps | inherited base steps | s / seed |';
  const rule = '|---|---|---|---|---|---|---|---|---|---|---|---|---|';
  const rows = s.arms.map((a) => `| ${a.name} | ${a.seeds.join(', ')} | ${pm(a.linearProbe.accuracy, a.seeds.length)} | ${pm(a.linearProbe.macroF1, a.seeds.length)} | ${pm(a.finetune.accuracy, a.seeds.length)} | ${pm(a.finetune.macroF1, a.seeds.length)} | ${signed(a.paired.vsBase.linearProbe.mean)} | ${signed(a.paired.vsScratch.linearProbe.mean)} | ${signed(a.paired.vsBase.finetune.mean)} | ${signed(a.paired.vsScratch.finetune.mean)} | ${a.pretrainSteps} | ${a.baseSteps} | ${a.seconds.toFixed(0)} |`);
  return [head, rule, ...rows].join('\n');
}

/** Paired differences per seed (linear probe and fine-tune, vs base and vs scratch). */
export function pairedTable(s: StudySummary): string {
  const head = `| arm | ${s.seeds.map((x) => `seed ${x}: ΔLP base / scratch, ΔFT base / scratch`).join(' | ')} |`;
  const rule = `|---|${s.seeds.map(() => '---').join('|')}|`;
  const rows = s.arms.map((a) => {
    const cell = (seed: number) => {
      const f = (d: { perSeed: Array<{ seed: number; diff: number }> }) => signed(d.perSeed.find((p) => p.seed === seed)?.diff ?? NaN);
      return `${f(a.paired.vsBase.linearProbe)} / ${f(a.paired.vsScratch.linearProbe)}, ${f(a.paired.vsBase.finetune)} / ${f(a.paired.vsScratch.finetune)}`;
    };
    return `| ${a.name} | ${s.seeds.map(cell).join(' | ')} |`;
  });
  return [head, rule, ...rows].join('\n');
}

/**
 * Attune beside the PyTorch reference: mean ± std of each, the gap, and whether it is within
 * two standard deviations (the larger of the two sides' std; with one seed there is no std and
 * the column says so).
 */
export function peerTable(s: StudySummary, peer: PeerResults): string {
  const head = '| arm | Attune LP | PyTorch LP | gap | Attune FT | PyTorch FT | gap | within 2 sd (LP / FT) |';
  const rule = '|---|---|---|---|---|---|---|---|';
  const rows = s.arms.map((a) => {
    const p = peer.results.filter((r) => r.arm === a.name);
    const n = a.seeds.length;
    if (p.length === 0) return `| ${a.name} | ${pm(a.linearProbe.accuracy, n)} | – | – | ${pm(a.finetune.accuracy, n)} | – | – | – |`;
    const lp = meanStd(p.map((r) => r.linearProbe.accuracy));
    const ft = meanStd(p.map((r) => r.finetune.accuracy));
    const within = (x: MeanStd, y: MeanStd) => {
      const sd = Math.max(x.std, y.std);
      if (!(sd > 0)) return 'n/a (1 seed)';
      return Math.abs(x.mean - y.mean) <= 2 * sd ? 'yes' : 'no';
    };
    return `| ${a.name} | ${pm(a.linearProbe.accuracy, n)} | ${pm(lp, p.length)} | ${signed(a.linearProbe.accuracy.mean - lp.mean)} | ${pm(a.finetune.accuracy, n)} | ${pm(ft, p.length)} | ${signed(a.finetune.accuracy.mean - ft.mean)} | ${within(a.linearProbe.accuracy, lp)} / ${within(a.finetune.accuracy, ft)} |`;
  });
  return [head, rule, ...rows].join('\n');
}

/** The report section of one study run. */
export function renderStudyMarkdown(s: StudySummary, o: { title?: string; command?: string; backend?: string; peer?: PeerResults } = {}): string {
  const c = s.counts;
  const lines = [
    `## ${o.title ?? `Fashion-MNIST study, ${s.budget} budget, seeds ${s.seeds.join(', ')}`}`,
    '',
    ...(o.command ? ['```', o.command, '```', ''] : []),
    `Source: ${c.source} labeled training images of classes 0–4. Target: classes 5–9, ${c.targetPool} unlabeled training images, ` +
      `${c.labeledPerClass} labels per class drawn with the seed, ${c.targetTest} test images. Backbone small-resnet at 32×32. ` +
      `Accuracy and macro-F1 in %, mean ± std over ${s.seeds.length} seed(s); Δ = paired difference within a seed, in points.` +
      (o.backend ? ` Backend: ${o.backend}.` : '') + ` Total wall time ${(s.seconds / 60).toFixed(1)} min.`,
    '',
    resultsTable(s),
    '',
    'Paired differences per seed (points):',
    '',
    pairedTable(s),
    '',
    `Shared base (supervised on the source): ${s.base.map((b) => `seed ${b.seed}: ${b.steps} steps, ${b.seconds.toFixed(0)} s`).join('; ')}.`,
    `Labeled draws: ${s.draws.map((d) => `seed ${d.seed} → ${d.drawId} (${d.labeled} images), test ${d.testId} (${d.testSize})`).join('; ')}.`,
    '',
    'Arms:',
    '',
    ...s.arms.map((a) => `- **${a.name}**: ${ARM_DESCRIPTIONS[a.name]}.`),
  ];
  if (o.peer) lines.push('', `Beside the PyTorch reference (${o.peer.budget} budget${o.peer.torch ? `, torch ${o.peer.torch}` : ''}):`, '', peerTable(s, o.peer));
  return lines.join('\n') + '\n';
}
