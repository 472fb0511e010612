/**
 * The example project: a small Fashion-MNIST subset shipped in resources/example (source domain
 * = classes 0–4, target domain = classes 5–9, as gzipped IDX files) and a preconfigured HPT
 * recipe. Opening it creates the project in the user-data folder once (copying the data and
 * the recipe into it, so the project is self-contained), imports its datasets, and reopens it
 * on later calls without rescanning.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../shared/errors';
import type { DatasetSummary } from '../../shared/contract/datasets';
import type { ProjectSummary } from '../../shared/schemas/project';
import type { ScanProgress } from '../../shared/schemas/dataset';
import { FASHION_MNIST_NAMES } from '../../shared/schemas/run';
import type { DatasetService } from './datasets';
import { summarize, type ProjectService } from './projects';

export const EXAMPLE_NAME = 'Fashion example';
export const EXAMPLE_RECIPE_FILE = 'example-recipe.yaml';

/** The example's datasets: file stem in resources/example, dataset name, role. */
export const EXAMPLE_SETS = [
  { stem: 'target-train', name: 'Target: shoes and bags (labeled)', role: 'labeled' },
  { stem: 'source-train', name: 'Source: clothes', role: 'source' },
  { stem: 'target-test', name: 'Target: test set', role: 'test' },
] as const;

/** Candidate folders of the example data: ATTUNE_EXAMPLE, the source tree, a packaged app's resources. */
function exampleDirs(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const packaged = (process as unknown as { resourcesPath?: string }).resourcesPath;
  return [
    process.env.ATTUNE_EXAMPLE,
    resolve(here, '..', '..', '..', 'resources', 'example'),
    resolve(here, '..', '..', 'resources', 'example'),
    packaged ? join(packaged, 'example') : undefined,
  ].filter((d): d is string => !!d);
}

/** The folder holding the shipped example; a clear error when the install lacks it. */
export function exampleResourceDir(): string {
  const dir = exampleDirs().find((d) => existsSync(join(d, 'recipe.yaml')));
  if (!dir) throw new AppError('not_found', `the example project's data is missing from this installation (looked in ${exampleDirs().join(', ')})`);
  return dir;
}

/** Where the example project lives for this user. */
export function exampleProjectFolder(userDataDir: string): string {
  return join(userDataDir, 'example-project');
}

/** What opening the example returns. */
export interface OpenedExample {
  project: ProjectSummary;
  datasets: DatasetSummary[];
  recipe: string;
  recipePath: string;
}

/** Copies the shipped files the project does not have yet into `<folder>/data` and the recipe beside it. */
function copyResources(from: string, folder: string): string {
  const dataDir = join(folder, 'data');
  mkdirSync(dataDir, { recursive: true });
  for (const s of EXAMPLE_SETS) {
    for (const kind of ['images-idx3', 'labels-idx1']) {
      const file = `${s.stem}-${kind}-ubyte.gz`;
      const src = join(from, file);
      if (!existsSync(src)) throw new AppError('not_found', `the example file ${src} is missing from this installation`);
      if (!existsSync(join(dataDir, file))) copyFileSync(src, join(dataDir, file));
    }
  }
  const recipePath = join(folder, EXAMPLE_RECIPE_FILE);
  if (!existsSync(recipePath)) writeFileSync(recipePath, readFileSync(join(from, 'recipe.yaml')));
  return recipePath;
}

/**
 * Creates (or reopens) the example project under `userDataDir` and imports whatever of its
 * datasets the project does not hold yet.
 */
export async function openExample(
  projects: ProjectService,
  datasets: DatasetService,
  userDataDir: string,
  onProgress?: (datasetId: number, p: ScanProgress) => void,
): Promise<OpenedExample> {
  const from = exampleResourceDir();
  const folder = exampleProjectFolder(userDataDir);
  if (existsSync(join(folder, 'attune.sqlite'))) projects.openProject(folder);
  else projects.create(EXAMPLE_NAME, folder);
  const recipePath = copyResources(from, folder);
  const store = projects.get(folder);
  const have = new Set(datasets.list(store).filter((d) => d.scannedAt).map((d) => d.name));
  for (const s of EXAMPLE_SETS) {
    if (have.has(s.name)) continue;
    await datasets.import(store, {
      kind: 'idx',
      path: join(folder, 'data', `${s.stem}-images-idx3-ubyte.gz`),
      labelsPath: join(folder, 'data', `${s.stem}-labels-idx1-ubyte.gz`),
      name: s.name,
      classNames: FASHION_MNIST_NAMES,
      role: s.role,
    }, onProgress);
  }
  projects.openProject(folder);
  return { project: summarize(store), datasets: datasets.list(store), recipe: readFileSync(recipePath, 'utf8'), recipePath };
}
