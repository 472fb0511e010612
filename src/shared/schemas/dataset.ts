/**
 * Schemas of dataset images as scanned by the engine and stored by the main process
 * (table `images`), of the health report and of scan progress.
 */
import { z } from 'zod';

export const ImageRole = z.enum(['labeled', 'unlabeled', 'source', 'test']);
export type ImageRole = z.infer<typeof ImageRole>;

export const SplitName = z.enum(['train', 'val', 'test']);
export type SplitName = z.infer<typeof SplitName>;

/** One image file of a dataset; columns of the `images` table in camelCase. */
export const ImageRecord = z.object({
  id: z.number().int().optional(),
  datasetId: z.union([z.string(), z.number()]).optional(),
  /** path relative to the dataset root, always with forward slashes */
  relPath: z.string().min(1),
  role: ImageRole,
  label: z.string().nullable(),
  split: SplitName.nullable(),
  byteSize: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  /** hex sha256 of the file bytes ('' when the file could not be read) */
  sha256: z.string(),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
  channels: z.number().int().nonnegative(),
  /** sharp's format name: jpeg, png, webp, tiff, gif, idx ... ('' when unknown) */
  format: z.string(),
  /** bits per sample: 8 or 16 (1 for bilevel) */
  bitDepth: z.number().int().nonnegative(),
  hasAlpha: z.boolean(),
  /** sharp's colour space: srgb, b-w, cmyk, rgb16, grey16 ... */
  colorSpace: z.string(),
  /** why this file cannot be used, or null when it decodes */
  error: z.string().nullable(),
});
export type ImageRecord = z.infer<typeof ImageRecord>;

export const ScanProgress = z.object({
  /** files looked at so far (read or reused) */
  done: z.number().int().nonnegative(),
  /** files read this scan (new or changed) */
  read: z.number().int().nonnegative(),
  /** files reused from the previous scan unchanged */
  unchanged: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** total files when known (after the listing finished), else null */
  total: z.number().int().nonnegative().nullable(),
  /** files per second since the start */
  rate: z.number().nonnegative(),
  /** seconds left, null while the total is unknown */
  etaSeconds: z.number().nonnegative().nullable(),
  elapsedSeconds: z.number().nonnegative(),
  currentPath: z.string().optional(),
});
export type ScanProgress = z.infer<typeof ScanProgress>;

export const HealthProblem = z.object({ path: z.string(), reason: z.string() });
export type HealthProblem = z.infer<typeof HealthProblem>;

export const DuplicateGroup = z.object({
  sha256: z.string(),
  paths: z.array(z.string()),
  roles: z.array(ImageRole),
  /** labels seen in the group (conflicting labels on identical bytes are a red flag) */
  labels: z.array(z.string()),
  /** true when the same bytes appear in more than one role (e.g. labeled and test): label leakage */
  leakage: z.boolean(),
});
export type DuplicateGroup = z.infer<typeof DuplicateGroup>;

export const UnusualMode = z.object({
  kind: z.enum(['grayscale', 'alpha', 'cmyk', '16-bit', 'palette-or-other']),
  count: z.number().int(),
  examples: z.array(z.string()),
  /** how the decode cache converts these images */
  conversion: z.string(),
});
export type UnusualMode = z.infer<typeof UnusualMode>;

export const HealthReport = z.object({
  total: z.number().int(),
  readable: z.number().int(),
  problems: z.array(HealthProblem),
  duplicates: z.array(DuplicateGroup),
  leakageCount: z.number().int(),
  /** label → count over labeled images */
  classes: z.record(z.string(), z.number().int()),
  /** largest class count / smallest class count (1 when fewer than two classes) */
  imbalanceRatio: z.number(),
  byRole: z.record(z.string(), z.number().int()),
  smallImages: z.object({ threshold: z.number().int(), count: z.number().int(), examples: z.array(z.string()) }),
  unusualModes: z.array(UnusualMode),
  size: z.object({
    minSide: z.number(),
    medianShortSide: z.number(),
    maxSide: z.number(),
  }),
  suggestedResolution: z.number().int(),
  /** one line per finding, for people */
  notes: z.array(z.string()),
});
export type HealthReport = z.infer<typeof HealthReport>;
