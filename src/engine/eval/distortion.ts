/**
 * Feature-distortion diagnostics (DAFT, Kumar et al.'s LP-FT analysis): how far fine-tuning
 * moved each image's pooled features and each layer's parameters.
 */
import type { ParamSpec, Params } from '../models/types';
import type { FeatureMatrix } from './features';

/** Per-image change of pooled features, and the means over images. */
export interface FeatureDistortion {
  /** cosine similarity of each image's features before vs after */
  cosine: Float64Array;
  /** L2 distance of each image's features before vs after */
  l2: Float64Array;
  meanCosine: number;
  meanL2: number;
}

/** Cosine similarity and L2 distance per image between two feature matrices of the same images. */
export function featureDistortion(before: FeatureMatrix, after: FeatureMatrix): FeatureDistortion {
  if (before.n !== after.n || before.dim !== after.dim) {
    throw new Error(`distortion: feature shapes differ ([${before.n}, ${before.dim}] vs [${after.n}, ${after.dim}])`);
  }
  const { n, dim } = before;
  const cosine = new Float64Array(n);
  const l2 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    let d2 = 0;
    for (let d = 0; d < dim; d++) {
      const a = before.data[i * dim + d];
      const b = after.data[i * dim + d];
      dot += a * b;
      na += a * a;
      nb += b * b;
      d2 += (a - b) * (a - b);
    }
    cosine[i] = dot / Math.max(Math.sqrt(na) * Math.sqrt(nb), 1e-12);
    l2[i] = Math.sqrt(d2);
  }
  const mean = (x: Float64Array): number => (n ? x.reduce((a, b) => a + b, 0) / n : NaN);
  return { cosine, l2, meanCosine: mean(cosine), meanL2: mean(l2) };
}

/** One layer's relative parameter change. */
export interface ParamChange {
  name: string;
  /** ‖W̃ − W‖_F / ‖W‖_F (Infinity when W = 0 and W̃ ≠ 0, 0 when both are 0) */
  relative: number;
  absolute: number;
}

/**
 * Relative change ‖W̃−W‖/‖W‖ of each weight (conv and dense kernels by default; pass roles to
 * include norms or biases), in the order of `specs`. Values are read back asynchronously.
 */
export async function parameterChange(before: Params, after: Params, specs: ParamSpec[], roles: ParamSpec['role'][] = ['conv', 'dense']): Promise<ParamChange[]> {
  const out: ParamChange[] = [];
  for (const s of specs) {
    if (!roles.includes(s.role)) continue;
    const a = before.get(s.name);
    const b = after.get(s.name);
    if (!a || !b) throw new Error(`distortion: parameter "${s.name}" is missing ${a ? 'after' : 'before'} fine-tuning`);
    const [x, y] = await Promise.all([a.data(), b.data()]);
    if (x.length !== y.length) throw new Error(`distortion: parameter "${s.name}" changed size (${x.length} → ${y.length})`);
    let n0 = 0;
    let d = 0;
    for (let i = 0; i < x.length; i++) {
      n0 += x[i] * x[i];
      d += (y[i] - x[i]) ** 2;
    }
    const absolute = Math.sqrt(d);
    const norm = Math.sqrt(n0);
    out.push({ name: s.name, absolute, relative: norm > 0 ? absolute / norm : absolute > 0 ? Infinity : 0 });
  }
  return out;
}
