/**
 * The blog-style comparison: one row per configuration (a group of seeds) or per run, with
 * loss, AUC, F1 and accuracy as mean ± std over the seeds, with and without TTA, and the
 * validation / training curves averaged over the seeds at each step; and the pixels-logreg
 * floor measured on the same labels, as a row of its own.
 */
import type { CompareCurve, CompareReport, CompareRow, MeanStd, RunConfig, RunResultSummary } from '../../../shared/schemas/run';
import { meanStd } from '../../../shared/stats';
import type { ProjectStore } from '../../store/project-store';
import type { RunRow } from '../../store/repos/runs';

const HEADLINE = ['loss', 'auc', 'f1', 'accuracy'] as const;
/** Curves drawn in the comparison (finetune stage). */
export const CURVE_METRICS = ['train_loss', 'val_loss', 'val_auc', 'val_f1'] as const;

function aggregate(results: RunResultSummary[], pick: (r: RunResultSummary) => RunResultSummary['plain'] | null) {
  const rows = results.map(pick).filter((x): x is RunResultSummary['plain'] => x !== null);
  if (rows.length === 0) return null;
  return Object.fromEntries(HEADLINE.map((k) => [k, meanStd(rows.map((r) => r[k]))])) as CompareRow['plain'];
}

/** Mean over runs of a metric at each step of the finetune stage(s). */
function curve(store: ProjectStore, runs: RunRow[], metric: string): [number, number][] {
  const byStep = new Map<number, number[]>();
  for (const r of runs) {
    const stages = new Map(store.runs.stages(r.id).map((s) => [s.idx, s.kind]));
    for (const p of store.metrics.series(r.id)) {
      if (p.name !== metric || stages.get(p.stageIdx) !== 'finetune') continue;
      const list = byStep.get(p.step) ?? [];
      list.push(p.value);
      byStep.set(p.step, list);
    }
  }
  return [...byStep.entries()].sort((a, b) => a[0] - b[0]).map(([s, v]) => [s, v.reduce((a, b) => a + b, 0) / v.length]);
}

/** Builds the comparison of the given runs, grouped by run group when `byGroup`. */
export function compareRuns(store: ProjectStore, runIds: string[], groupIds: string[], byGroup: boolean): CompareReport {
  const all = store.runs.list();
  const chosen = new Map<string, RunRow>();
  const skipped: CompareReport['skipped'] = [];
  for (const id of runIds) {
    const r = all.find((x) => x.id === id || x.id.startsWith(id));
    if (!r) skipped.push({ runId: id, reason: 'no such run' });
    else chosen.set(r.id, r);
  }
  for (const g of groupIds) for (const r of all.filter((x) => x.groupId === g)) chosen.set(r.id, r);
  const done = [...chosen.values()].filter((r) => {
    if (r.status === 'completed' && r.summary) return true;
    skipped.push({ runId: r.id, reason: r.damaged ? `run ${r.id} is damaged: ${r.damaged}` : `status ${r.status}, no results yet` });
    return false;
  });
  const groups = new Map<string, RunRow[]>();
  for (const r of done) {
    const key = byGroup ? (r.groupId ?? r.id) : r.id;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const rows: CompareRow[] = [];
  const curves: CompareCurve[] = [];
  for (const runs of groups.values()) {
    const first = runs[0];
    const cfg = first.config as RunConfig;
    const label = byGroup ? first.name.replace(/ \(seed \d+\)$/, '') : `${first.name} [${first.id.slice(0, 8)}]`;
    const results = runs.map((r) => r.summary as RunResultSummary);
    rows.push({
      label, kind: 'run', recipe: first.recipe, backbone: cfg.backbone.arch, runIds: runs.map((r) => r.id),
      plain: aggregate(results, (r) => r.plain)!, tta: aggregate(results, (r) => r.tta), probe: aggregate(results, (r) => r.linearProbe ?? null),
    });
    for (const m of CURVE_METRICS) {
      const points = curve(store, runs, m);
      if (points.length) curves.push({ label, metric: m, stage: 'finetune', points });
    }
  }
  rows.push(...floorRows(done));
  return { rows, curves, skipped };
}

/** Label of the floor row in tables and reports. */
export const FLOOR_LABEL = 'pixels-logreg';

/**
 * The pixels-logreg floor of the compared runs: one row per distinct labeled set, split and test
 * set (runs that differ only in their source or unlabeled images share one), averaged over the
 * runs that measured it.
 */
export function floorRows(runs: RunRow[]): CompareRow[] {
  const byData = new Map<string, RunRow[]>();
  for (const r of runs) {
    if (!(r.summary as RunResultSummary).floor) continue;
    // the floor sees only the labeled images and the test set: source and unlabeled sets do not change it
    const { source: _s, unlabeled: _u, sourceCandidates: _c, ...labeled } = (r.config as RunConfig).data;
    const key = JSON.stringify(labeled);
    byData.set(key, [...(byData.get(key) ?? []), r]);
  }
  return [...byData.values()].map((list) => ({
    label: byData.size > 1 ? `${FLOOR_LABEL} (data of ${list[0].name.replace(/ \(seed \d+\)$/, '')})` : FLOOR_LABEL,
    kind: 'floor' as const, recipe: 'floor', backbone: 'raw pixels', runIds: list.map((r) => r.id),
    plain: aggregate(list.map((r) => r.summary as RunResultSummary), (x) => x.floor ?? null)!, tta: null,
  }));
}

/** `0.4450 ± 0.0123` (or without ± for one seed). */
export function formatMeanStd(m: MeanStd | undefined, digits = 4): string {
  if (!m || !Number.isFinite(m.mean)) return '—';
  return m.n > 1 ? `${m.mean.toFixed(digits)} ± ${m.std.toFixed(digits)}` : m.mean.toFixed(digits);
}

/** The table as text: model, loss, AUC, F1, accuracy, the same with TTA, and the linear probe's accuracy when a run took one. */
export function formatCompareTable(report: CompareReport): string {
  const probe = report.rows.some((r) => r.probe);
  const header = ['Model', 'n', 'Loss', 'AUC', 'F1', 'Accuracy', 'Loss (TTA)', 'AUC (TTA)', 'F1 (TTA)', 'Accuracy (TTA)', ...(probe ? ['Linear probe acc'] : [])];
  const body = report.rows.map((r) => [
    r.label, String(r.runIds.length),
    ...HEADLINE.map((k) => formatMeanStd(r.plain[k])),
    ...HEADLINE.map((k) => formatMeanStd(r.tta?.[k])),
    ...(probe ? [formatMeanStd(r.probe?.accuracy)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  for (const s of report.skipped) out.push(`(skipped ${s.runId}: ${s.reason})`);
  return out.join('\n');
}
