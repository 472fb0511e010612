/**
 * Reads the `split.json` the engine's prepare stage writes into a run folder, together with
 * the split settings of the run's config, into the split the store records.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { RunConfig } from '../../../shared/schemas/run';
import type { RunSplit } from '../../store/repos/splits';
import { formatIssues } from './issues';

const Keys = z.array(z.string().min(1)).superRefine((keys, ctx) => {
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) return void ctx.addIssue({ code: 'custom', message: `key "${k}" is listed twice` });
    seen.add(k);
  }
});

/** The file's shape (`unlabeledFromBudget` and any other extra field is not recorded). */
const SplitFile = z.object({ classNames: z.array(z.string()), train: Keys, val: Keys, test: Keys });

/** The part of a run config that decides the split. */
const SplitSettings = z.object({ data: RunConfig.shape.data.pick({ seed: true, split: true, labelBudget: true }) });

/**
 * The split recorded in `file`, with the seed and spec taken from the run's `config`.
 * Throws an Error saying what is wrong (the caller names the file) when it cannot be read or is
 * not a valid split.
 */
export function readSplitFile(file: string, config: unknown): RunSplit {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot be read as JSON (${(e as Error).message})`);
  }
  const parsed = SplitFile.safeParse(raw);
  if (!parsed.success) throw new Error(`not a valid split file: ${formatIssues(parsed.error.issues)}`);
  const settings = SplitSettings.safeParse(config);
  if (!settings.success) throw new Error(`the run config lacks the split settings: ${formatIssues(settings.error.issues)}`);
  const { seed, split, labelBudget } = settings.data.data;
  const { classNames, train, val, test } = parsed.data;
  return { seed, spec: { split, labelBudget }, classNames, train, val, test };
}
