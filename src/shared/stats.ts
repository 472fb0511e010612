/** Summary statistics shared by compare, the study and the UI (no Node or tfjs imports). */
import type { MeanStd } from './schemas/run';

/** Mean and sample standard deviation (n − 1) of values: std 0 for one value, both NaN for none. */
export function meanStd(values: readonly number[]): MeanStd {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}
