/**
 * The JSON sidecar of a checkpoint (`<name>.attune.json`): a strict schema, like recipes, so a
 * sidecar with an unknown field, a normalisation no real model uses (std 1e-9, 0, negative,
 * NaN, not one value per RGB channel) or a malformed hash is refused with a plain message
 * naming the field and the allowed range, before anything is loaded.
 */
import { z } from 'zod';
import {
  INPUT_CHANNELS, MAX_CLASSES, MAX_HEAD_WIDTH, MAX_NAME_LENGTH, MAX_NORMALIZATION_MEAN, MAX_NORMALIZATION_STD, MIN_NORMALIZATION_STD,
  numberIn, wholeNumber,
} from '../../shared/schemas/limits';

const blockSchema = z
  .object({
    in: wholeNumber('a head block input width', 1, MAX_HEAD_WIDTH),
    out: wholeNumber('a head block output width', 1, MAX_HEAD_WIDTH),
    norm: z.enum(['batch', 'layer', 'none']),
    activation: z.enum(['relu', 'none']),
    bias: z.boolean().optional(),
  })
  .strict();

const perChannel = (what: string, item: z.ZodNumber) =>
  z.array(item, { error: `${what} must be a list of ${INPUT_CHANNELS} numbers, one per RGB channel` }).length(INPUT_CHANNELS, {
    error: (iss) => `${what} must have ${INPUT_CHANNELS} values, one per RGB channel (got ${Array.isArray(iss.input) ? iss.input.length : 'none'})`,
  });

/** Per-channel input normalisation, in [0, 1] pixel units. */
export const normalizationSchema = z
  .object({
    mean: perChannel('normalization mean', numberIn('normalization mean', -MAX_NORMALIZATION_MEAN, MAX_NORMALIZATION_MEAN)),
    std: perChannel('normalization std', numberIn('normalization std', MIN_NORMALIZATION_STD, MAX_NORMALIZATION_STD)),
  })
  .strict();

/** The sidecar's schema (strict: an unknown field is refused). */
export const checkpointMetaSchema = z
  .object({
    format: z.literal('attune-checkpoint'),
    version: z.literal(1),
    arch: z.string().min(1).max(MAX_NAME_LENGTH),
    config: z.record(z.string(), z.unknown()),
    featureDim: wholeNumber('featureDim', 1, MAX_HEAD_WIDTH),
    head: z
      .object({ prefix: z.string().min(1).max(MAX_NAME_LENGTH), spec: z.object({ blocks: z.array(blockSchema).min(1).max(16) }).strict() })
      .strict()
      .optional(),
    normalization: normalizationSchema,
    classNames: z.array(z.string().max(MAX_NAME_LENGTH)).max(MAX_CLASSES).optional(),
    provenance: z
      .object({
        createdAt: z.string(),
        sourceFileSha256: z.string().optional(),
        runId: z.string().optional(),
      })
      .catchall(z.unknown()),
    weightsSha256: z.string().regex(/^[0-9a-f]{64}$/, { error: 'weightsSha256 must be 64 lowercase hex digits (a SHA-256)' }),
  })
  .strict();

/** What a checkpoint's sidecar records. */
export type CheckpointMeta = z.infer<typeof checkpointMetaSchema>;

/** Dotted path of an issue: `normalization.std.0`. */
function pathOf(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(sidecar)';
}

/**
 * Validates parsed sidecar JSON; throws an Error naming `file`, the field and the reason
 * (`model.attune.json: invalid checkpoint sidecar at "normalization.std.0": normalization std
 * must be at least 0.001 (got 1e-9)`).
 */
export function parseCheckpointMeta(raw: unknown, file: string): CheckpointMeta {
  const parsed = checkpointMetaSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const extra = issue.code === 'unrecognized_keys' ? ` (${issue.keys.map((k) => JSON.stringify(k.slice(0, 60))).join(', ')})` : '';
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem(s))` : '';
  throw new Error(`${file}: invalid checkpoint sidecar at "${pathOf(issue.path)}": ${issue.message}${extra}${more}`);
}
