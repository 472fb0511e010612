/**
 * Statistics over repeated runs and resamples: mean ± sample standard deviation over a run
 * group (different seeds), and numpy-style linear-interpolation percentiles.
 */

/** Mean and spread of one metric over a group of runs. */
export interface Aggregate {
  n: number;
  mean: number;
  /** sample standard deviation (divides by n − 1, numpy `ddof=1`); NaN when n < 2 */
  std: number;
  /** always 'sample': the kind of standard deviation, stated so reports can say so */
  stdKind: 'sample';
  min: number;
  max: number;
}

/** Mean ± sample std of finite values (NaN entries, e.g. an undefined AUC, are skipped). */
export function aggregate(values: ArrayLike<number>): Aggregate {
  const xs = Array.from(values).filter((v) => Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, std: NaN, stdKind: 'sample', min: NaN, max: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const ss = xs.reduce((a, b) => a + (b - mean) * (b - mean), 0);
  return { n, mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : NaN, stdKind: 'sample', min: Math.min(...xs), max: Math.max(...xs) };
}

/** Aggregates every numeric key of a list of metric records (one record per seed). */
export function aggregateRuns(runs: Array<Record<string, number>>): Record<string, Aggregate> {
  const keys = new Set(runs.flatMap((r) => Object.keys(r)));
  const out: Record<string, Aggregate> = {};
  for (const k of keys) out[k] = aggregate(runs.map((r) => (typeof r[k] === 'number' ? r[k] : NaN)));
  return out;
}

/** The q-th percentile (0–100) of values with linear interpolation (numpy's default). */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 100)) throw new Error(`percentile: q must be in [0, 100], got ${q}`);
  const xs = Float64Array.from(values).sort();
  if (xs.length === 0) return NaN;
  const pos = (q / 100) * (xs.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
}

/** Formats an aggregate as "mean ± std (sample std, n = k)". */
export function formatAggregate(a: Aggregate, digits = 4): string {
  const std = Number.isNaN(a.std) ? 'n/a' : a.std.toFixed(digits);
  return `${a.mean.toFixed(digits)} ± ${std} (sample std, n = ${a.n})`;
}
