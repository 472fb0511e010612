/** Which metrics the run monitor draws, in which chart, and advice for a failed run. */
import type { Point } from './series';
import { runLine } from './series';

/** A chart of the monitor: a title and the metric names it overlays. */
export interface MonitorChart {
  id: string;
  title: string;
  metrics: { name: string; label: string; dashed?: boolean; z?: number; marks?: boolean }[];
  percent?: boolean;
  /** one line under the title: what the curves usually do */
  help?: string;
}

export const MONITOR_CHARTS: MonitorChart[] = [
  {
    id: 'loss',
    title: 'Loss',
    // train on top, validation dashed beneath it: early on the two lie on each other; validation
    // has one point per epoch, drawn as large diamonds that stick out from under the train line
    metrics: [{ name: 'ssl_loss', label: 'self-supervised' }, { name: 'train_loss', label: 'train', z: 4 }, { name: 'val_loss', label: 'validation', dashed: true, z: 3, marks: true }],
    help: 'A self-supervised loss that rises for the first steps is normal, above all for MoCo from random weights: its queue fills with harder negatives. It falls later.',
  },
  { id: 'knn', title: 'Accuracy', metrics: [{ name: 'knn_accuracy', label: 'kNN (val)' }, { name: 'val_accuracy', label: 'validation' }], percent: true },
  { id: 'lr', title: 'Learning rate', metrics: [{ name: 'lr', label: 'lr' }] },
  { id: 'std', title: 'Embedding std', metrics: [{ name: 'embedding_std', label: 'std' }] },
  { id: 'throughput', title: 'Throughput (images/s)', metrics: [{ name: 'images_per_second', label: 'images/s' }] },
];

/** The lines of one monitor chart over the whole run (only metrics that have points). */
export function chartLines(chart: MonitorChart, store: Map<string, Point[]>, offsets: number[]): { name: string; points: Point[]; dashed?: boolean; z?: number; marks?: boolean }[] {
  return chart.metrics.map((m) => ({ name: m.label, points: runLine(store, m.name, offsets), dashed: m.dashed, z: m.z, marks: m.marks })).filter((l) => l.points.length > 0);
}

/** What to try after a failure, from the error text. */
export function adviceFor(error: string): string[] {
  const e = error.toLowerCase();
  const out: string[] = [];
  if (/out of memory|oom|allocation|cannot allocate|heap/.test(e)) out.push('Lower the batch size or the image size, or use gradient accumulation (accumulate: 2).');
  if (/nan|not finite|diverg|inf\b/.test(e)) out.push('The loss diverged: lower the learning rate (baseLr / lr) or add warm-up steps.');
  if (/enoent|does not exist|not found|no such file/.test(e)) out.push('A path in the recipe no longer exists: check the data folders and the weights file.');
  if (/enospc|no space|disk full/.test(e)) out.push('The disk is full: free space in the project folder; the last checkpoint was kept, so Resume continues from it.');
  if (/crash|killed|exited|signal/.test(e)) out.push('The engine process stopped. Resume continues from the last checkpoint; if it happens again, lower the batch size.');
  if (/collapse/.test(e)) out.push('The embeddings collapsed: try the BYOL recipe with LayerNorm heads, a larger batch, or a lower learning rate.');
  if (out.length === 0) out.push('Resume retries from the last checkpoint. The log below shows the last steps before the failure.');
  return out;
}
