/** Contract: importing image folders, CSVs and IDX files into a project, and their health. */
import { z } from 'zod';
import { FolderPath } from '../schemas/project';
import { HealthReport, ScanProgress } from '../schemas/dataset';

/** The kinds of input a user can import. */
export const DatasetKind = z.enum(['labeled-folder', 'csv', 'unlabeled', 'source', 'test-folder', 'idx']);
export type DatasetKind = z.infer<typeof DatasetKind>;

export const DatasetSummary = z.object({
  id: z.number().int(),
  name: z.string(),
  kind: DatasetKind,
  root: z.string(),
  scannedAt: z.string().nullable(),
  total: z.number().int(),
  readable: z.number().int(),
  classes: z.record(z.string(), z.number().int()),
});
export type DatasetSummary = z.infer<typeof DatasetSummary>;

export const ImportDatasetInput = z
  .object({
    project: FolderPath,
    kind: DatasetKind,
    /** folder, CSV file, or IDX images file (.gz allowed) */
    path: FolderPath,
    name: z.string().trim().min(1).max(200).optional(),
    /** IDX only: the labels file (default: the images path with images-idx3 → labels-idx1) */
    labelsPath: z.string().optional(),
    /** IDX only: class names by label index */
    classNames: z.array(z.string()).optional(),
    /** IDX only: what the images are for (default labeled) */
    role: z.enum(['labeled', 'unlabeled', 'source', 'test']).optional(),
  })
  .strict();

export const SampleImage = z.object({
  imageId: z.number().int(),
  relPath: z.string(),
  label: z.string().nullable(),
  width: z.number().int(),
  height: z.number().int(),
  /** a small PNG as a data: URL */
  thumbnail: z.string(),
});
export type SampleImage = z.infer<typeof SampleImage>;

const ProjectOnly = z.object({ project: FolderPath }).strict();
const DatasetRef = z.object({ project: FolderPath, datasetId: z.number().int() }).strict();

/** One sub-folder in the folder browser. */
export const FolderEntry = z.object({ name: z.string(), path: z.string() });
export type FolderEntry = z.infer<typeof FolderEntry>;

/** What the folder browser shows of one folder on the machine that holds the images. */
export const FolderListing = z.object({
  /** the folder listed (absolute); for a partial path, the folder it lies in */
  path: z.string(),
  /** its parent folder, null at the top */
  parent: z.string().nullable(),
  /** sub-folders (hidden ones left out), sorted, at most 200; for a partial path, those starting with its last part */
  folders: z.array(FolderEntry),
  /** image files directly inside `path` */
  images: z.number().int(),
  /** true when the folder holds more than 200 sub-folders */
  truncated: z.boolean(),
});
export type FolderListing = z.infer<typeof FolderListing>;

export const datasetRequests = {
  'datasets.list': { input: ProjectOnly, output: z.array(DatasetSummary) },
  'datasets.import': { input: ImportDatasetInput, output: z.object({ dataset: DatasetSummary, report: HealthReport }) },
  /** The health report of the whole project, or of one dataset with `datasetId`. */
  'datasets.health': { input: z.object({ project: FolderPath, datasetId: z.number().int().optional() }).strict(), output: HealthReport },
  /** Forgets a dataset and its scan records; the images on disk are never touched. */
  'datasets.remove': { input: DatasetRef, output: z.object({ removed: z.boolean() }) },
  /** Sub-folders of a folder (or of the folder a partly typed path lies in), for folder pickers and autocomplete. */
  'datasets.browse': { input: z.object({ path: z.string().max(4096) }).strict(), output: FolderListing },
  /** The native folder dialog where there is one (the Electron window); `native: false` elsewhere (use datasets.browse). */
  'datasets.pickFolder': { input: z.object({ title: z.string().max(200).default('Choose a folder'), kind: z.enum(['folder', 'file']).default('folder') }).strict(), output: z.object({ native: z.boolean(), path: z.string().nullable() }) },
  'datasets.samples': {
    input: z
      .object({
        project: FolderPath,
        datasetId: z.number().int(),
        label: z.string().optional(),
        limit: z.number().int().min(1).max(200).default(24),
        offset: z.number().int().min(0).default(0),
        size: z.number().int().min(16).max(256).default(96),
      })
      .strict(),
    output: z.array(SampleImage),
  },
} as const;

export const datasetEvents = {
  'datasets.scanProgress': z.object({ project: z.string(), datasetId: z.number().int(), progress: ScanProgress }),
} as const;
