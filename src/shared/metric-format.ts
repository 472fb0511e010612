/**
 * One number format for test metrics in every view and report: accuracy, F1 and AUC as a
 * percent with one decimal ("91.2%"), a loss with three decimals ("0.412"); a spread over
 * seeds in the same unit ("91.2% ± 0.4", percentage points for scores).
 */

/** The headline metrics the format knows; any other name is written as a loss is. */
export type HeadlineKey = 'loss' | 'auc' | 'f1' | 'accuracy';

/** True for metrics shown as percentages (scores in [0, 1]). */
export function isPercentMetric(metric: string): boolean {
  return metric !== 'loss' && !/loss/i.test(metric);
}

/** A single value: "91.2%" for scores, "0.412" for losses, "—" when missing or not finite. */
export function formatMetric(metric: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return isPercentMetric(metric) ? `${(value * 100).toFixed(1)}%` : value.toFixed(3);
}

/** The spread alone, in the metric's unit: "0.4" percentage points, or "0.012" for a loss. */
export function formatSpread(metric: string, std: number): string {
  if (!Number.isFinite(std)) return '—';
  return isPercentMetric(metric) ? (std * 100).toFixed(1) : std.toFixed(3);
}

/** Mean ± std over seeds ("91.2% ± 0.4"), or the mean alone for one seed. */
export function formatMetricMeanStd(metric: string, m: { mean: number; std: number; n: number } | null | undefined): string {
  if (!m || !Number.isFinite(m.mean)) return '—';
  return m.n > 1 ? `${formatMetric(metric, m.mean)} ± ${formatSpread(metric, m.std)}` : formatMetric(metric, m.mean);
}
