/**
 * Matches tensors read from a weight file to a model's named variables: strips a wrapper
 * prefix (`module.encoder_q.`, `module.`, `online_network.`, `backbone.` …), converts the
 * layout (PyTorch OIHW → HWIO, depthwise [C,1,H,W] → HWC1, dense [out,in] → [in,out]) and
 * reports matched, missing, unexpected and mis-shaped keys.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamSpec, Params } from '../types';
import { transpose, type RawTensor, type RawTensors } from '../formats/raw';

export { transpose };

/** How the file lays out kernels: PyTorch (OIHW, dense [out,in]) or TensorFlow (HWIO, [in,out]). */
export type SourceLayout = 'torch' | 'tf';

/** What an import did, key by key. */
export interface ImportReport {
  /** the wrapper prefix that was stripped from the file's keys ('' for none) */
  strippedPrefix: string;
  /** model names that received a value */
  matched: string[];
  /** model names the file did not provide */
  missing: string[];
  /** file keys that match no model name */
  unexpected: string[];
  /** file keys ignored on purpose (BN `num_batches_tracked`, optimiser state) */
  ignored: string[];
  /** names whose stored shape does not fit the model */
  misshaped: { name: string; expected: number[]; got: number[] }[];
}

/** Preferred prefixes when several explain the same number of keys (MoCo's query encoder first). */
const PREFERRED = ['', 'module.encoder_q.', 'encoder_q.', 'module.', 'online_network.', 'online_encoder.', 'backbone.', 'module.backbone.', 'model.', 'encoder.'];

const IGNORED = /(^|[./])num_batches_tracked$|^(optimizer|opt_state|lr_scheduler)([./]|$)/;

const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Converts one stored tensor to the model's layout for `spec`, or returns undefined when its
 * shape cannot be that variable in `layout`.
 */
export function toModelLayout(raw: RawTensor, spec: ParamSpec, layout: SourceLayout): Float32Array | undefined {
  const t = spec.shape;
  if (spec.role === 'conv' && t.length === 4) {
    if (layout === 'tf') return same(raw.shape, t) ? raw.data : undefined;
    if (spec.depthwise) return same(raw.shape, [t[2], 1, t[0], t[1]]) ? transpose(raw.data, raw.shape, [2, 3, 0, 1]) : undefined;
    return same(raw.shape, [t[3], t[2], t[0], t[1]]) ? transpose(raw.data, raw.shape, [2, 3, 1, 0]) : undefined;
  }
  if (spec.role === 'dense' && t.length === 2) {
    const [inC, outC] = t;
    if (layout === 'tf') return same(raw.shape, t) || same(raw.shape, [1, 1, inC, outC]) ? raw.data : undefined;
    if (same(raw.shape, [outC, inC]) || same(raw.shape, [outC, inC, 1, 1])) return transpose(raw.data, [outC, inC], [1, 0]);
    return undefined;
  }
  return same(raw.shape, t) || (raw.shape.length === 0 && t.length === 1 && t[0] === 1) ? raw.data : undefined;
}

/** Finds the wrapper prefix that makes the most file keys model names. */
export function detectPrefix(keys: string[], names: Set<string>): string {
  const counts = new Map<string, number>();
  for (const key of keys) {
    if (names.has(key)) counts.set('', (counts.get('') ?? 0) + 1);
    for (let i = 0; i < key.length; i++) {
      if ((key[i] === '.' || key[i] === '/') && names.has(key.slice(i + 1))) {
        const p = key.slice(0, i + 1);
        counts.set(p, (counts.get(p) ?? 0) + 1);
      }
    }
  }
  let best = '';
  let bestCount = -1;
  const rank = (p: string) => { const r = PREFERRED.indexOf(p); return r < 0 ? PREFERRED.length : r; };
  for (const [p, c] of counts) {
    if (c > bestCount || (c === bestCount && rank(p) < rank(best))) { best = p; bestCount = c; }
  }
  return best;
}

/**
 * Matches file tensors to model specs. `aliases` maps a (prefix-stripped) file key to a
 * model name when they differ (e.g. BiT's `resnet/head/conv2d/kernel` → `resnet/head/conv2d.weight`).
 */
export function matchWeights(
  specs: ParamSpec[],
  raw: RawTensors,
  layout: SourceLayout,
  aliases: Map<string, string> = new Map(),
): { report: ImportReport; values: Map<string, Float32Array> } {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const known = new Set([...byName.keys(), ...aliases.keys()]);
  const candidates = [...raw.keys()].filter((k) => !IGNORED.test(k));
  const prefix = detectPrefix(candidates, known);
  const report: ImportReport = { strippedPrefix: prefix, matched: [], missing: [], unexpected: [], ignored: [], misshaped: [] };
  const values = new Map<string, Float32Array>();
  for (const [key, tensor] of raw) {
    if (IGNORED.test(key)) { report.ignored.push(key); continue; }
    const local = key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
    const spec = local !== undefined ? byName.get(aliases.get(local) ?? local) : undefined;
    if (!spec || values.has(spec.name)) { report.unexpected.push(key); continue; }
    const converted = toModelLayout(tensor, spec, layout);
    if (!converted) { report.misshaped.push({ name: spec.name, expected: spec.shape, got: tensor.shape }); continue; }
    values.set(spec.name, converted);
    report.matched.push(spec.name);
  }
  const misshapedNames = new Set(report.misshaped.map((m) => m.name));
  report.missing = specs.map((s) => s.name).filter((n) => !values.has(n) && !misshapedNames.has(n));
  return { report, values };
}

/** Writes matched values into the model's variables (shapes were checked by matchWeights). */
export function assignValues(params: Params, values: Map<string, Float32Array>): void {
  for (const [name, data] of values) {
    const v = params.get(name);
    if (!v) continue;
    const t = tf.tensor(data, v.shape, 'float32');
    v.assign(t);
    t.dispose();
  }
}

/** One line per category, for CLI output and logs. */
export function formatReport(r: ImportReport): string {
  const lines = [`matched ${r.matched.length}, missing ${r.missing.length}, unexpected ${r.unexpected.length}, mis-shaped ${r.misshaped.length}, ignored ${r.ignored.length}` + (r.strippedPrefix ? ` (stripped prefix "${r.strippedPrefix}")` : '')];
  const list = (label: string, xs: string[]) => { if (xs.length) lines.push(`  ${label}: ${xs.slice(0, 8).join(', ')}${xs.length > 8 ? ` … (+${xs.length - 8})` : ''}`); };
  list('missing', r.missing);
  list('unexpected', r.unexpected);
  list('mis-shaped', r.misshaped.map((m) => `${m.name} expected [${m.expected}] got [${m.got}]`));
  return lines.join('\n');
}
