/** Zod issues as `key.path: reason` text, and as structured errors for the UI. */
import type { z } from 'zod';

/** One problem with a recipe: where and why. */
export interface RecipeIssue {
  path: string;
  message: string;
}

/** Structured issues with dotted key paths (array indices in brackets). */
export function toIssues(issues: readonly z.core.$ZodIssue[], prefix: (string | number)[] = []): RecipeIssue[] {
  return issues.map((i) => {
    const extra = i.code === 'unrecognized_keys' ? ` (${(i as { keys: string[] }).keys.join(', ')})` : '';
    return { path: keyPath([...prefix, ...(i.path as (string | number)[])]), message: i.message + extra };
  });
}

/** Dotted key path: `stages.pretrain.steps`, `data.idx.classes[0]`. */
export function keyPath(path: readonly (string | number | symbol)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(recipe)';
}

/** All issues on one line each. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: (string | number)[] = []): string {
  return toIssues(issues, prefix).map((i) => `${i.path}: ${i.message}`).join('; ');
}
