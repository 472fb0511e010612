/**
 * Splits as pure functions: stratified train/val/test assignment and a label budget
 * (all, N per class, or a percentage). Deterministic for a seed, whatever the input order.
 */
import type { SplitName } from '../../shared/schemas/dataset';
import { SeededRandom } from '../train/seed';

export interface SplitItem {
  id: string;
  label: string;
  /** a split fixed by the user (e.g. from a CSV): kept as is */
  split?: SplitName | null;
}

export interface SplitFractions {
  val: number;
  test: number;
  seed: number;
}

export type LabelBudget = { kind: 'all' } | { kind: 'per-class'; n: number } | { kind: 'percent'; percent: number };

/** A 32-bit FNV-1a hash, to derive per-class seeds from names. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function groupByLabel<T extends { id: string; label: string }>(items: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const g = groups.get(it.label);
    if (g) g.push(it);
    else groups.set(it.label, [it]);
  }
  for (const g of groups.values()) g.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return groups;
}

function shuffled<T>(xs: T[], seed: number, salt: string): T[] {
  const rng = new SeededRandom((seed ^ hashString(salt)) >>> 0);
  return rng.permutation(xs.length).map((i) => xs[i]);
}

/**
 * Assigns every item to train, val or test, class by class, so each class keeps the
 * fractions (rounded; a class always keeps at least one training image). Items with a
 * fixed split keep it and count toward their class's quota.
 */
export function stratifiedSplit(items: SplitItem[], f: SplitFractions): Map<string, SplitName> {
  if (!(f.val >= 0 && f.test >= 0 && f.val + f.test < 1)) throw new Error(`split fractions must be ≥ 0 with val + test < 1, got val=${f.val} test=${f.test}`);
  const out = new Map<string, SplitName>();
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.id)) throw new Error(`stratifiedSplit: duplicate id "${it.id}"`);
    seen.add(it.id);
  }
  for (const [label, group] of groupByLabel(items)) {
    const n = group.length;
    let nTest = Math.round(n * f.test);
    let nVal = Math.round(n * f.val);
    while (nTest + nVal > n - 1 && (nTest > 0 || nVal > 0)) {
      if (nVal >= nTest && nVal > 0) nVal--;
      else nTest--;
    }
    for (const it of group) if (it.split) out.set(it.id, it.split);
    nTest = Math.max(0, nTest - group.filter((it) => it.split === 'test').length);
    nVal = Math.max(0, nVal - group.filter((it) => it.split === 'val').length);
    const free = shuffled(group.filter((it) => !it.split), f.seed, `split:${label}`);
    free.forEach((it, k) => out.set(it.id, k < nTest ? 'test' : k < nTest + nVal ? 'val' : 'train'));
  }
  return out;
}

/**
 * Chooses which training items keep their label under a budget; the rest become unlabeled
 * for the self-supervised stages. Returns the ids that stay labeled. N per class takes
 * min(N, class size); a percentage keeps round(p% of each class), at least one per class.
 */
export function applyLabelBudget(items: { id: string; label: string }[], budget: LabelBudget, seed: number): Set<string> {
  if (budget.kind === 'all') return new Set(items.map((i) => i.id));
  if (budget.kind === 'per-class' && !(Number.isInteger(budget.n) && budget.n >= 1)) throw new Error(`label budget: N per class must be a whole number ≥ 1, got ${budget.n}`);
  if (budget.kind === 'percent' && !(budget.percent > 0 && budget.percent <= 100)) throw new Error(`label budget: percent must be in (0, 100], got ${budget.percent}`);
  const keep = new Set<string>();
  for (const [label, group] of groupByLabel(items)) {
    const n = budget.kind === 'per-class' ? Math.min(budget.n, group.length) : Math.max(1, Math.round((group.length * budget.percent) / 100));
    for (const it of shuffled(group, seed, `budget:${label}`).slice(0, n)) keep.add(it.id);
  }
  return keep;
}
