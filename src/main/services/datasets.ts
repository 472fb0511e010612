/**
 * Importing inputs into a project: the engine scans (in its own process) and streams records
 * back; main writes them to the `images` table in batched transactions and asks the engine for
 * the health report. A rescan passes what the store knows, so only new or changed files are read.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { ImageRecord, HealthReport, ScanProgress } from '../../shared/schemas/dataset';
import type { DatasetKind, DatasetSummary, SampleImage } from '../../shared/contract/datasets';
import { AppError } from '../../shared/errors';
import type { EngineHost } from '../engine-host';
import type { ScanJobParams } from '../../shared/engine-jobs';
import type { ProjectStore } from '../store/project-store';
import type { DatasetRow } from '../store/repos/datasets';
import type { ImageRow } from '../store/repos/images';

export interface ImportRequest {
  kind: DatasetKind;
  path: string;
  name?: string;
  labelsPath?: string;
  classNames?: string[];
  role?: ImageRecord['role'];
}

/** How a dataset row is scanned: saved in the dataset's stats so a rescan repeats it. */
type ScanPlan = Omit<ScanJobParams, 'known'>;

function planFor(req: ImportRequest, root: string): ScanPlan {
  switch (req.kind) {
    case 'labeled-folder': return { specs: [{ kind: 'labeled-folder', path: root, role: 'labeled' }] };
    case 'test-folder': return { specs: [{ kind: 'labeled-folder', path: root, role: 'test' }] };
    case 'csv': return { specs: [{ kind: 'csv', path: root, role: 'labeled' }] };
    case 'unlabeled': return { specs: [{ kind: 'unlabeled-folder', path: root }] };
    case 'source': return { specs: [{ kind: 'source-folder', path: root }] };
    case 'idx': {
      const labels = req.labelsPath ?? root.replace('images-idx3', 'labels-idx1');
      return { idx: { images: root, labels: labels !== root && existsSync(labels) ? labels : undefined, classNames: req.classNames, role: req.role ?? 'labeled' } };
    }
  }
}

function checkInput(kind: DatasetKind, root: string): void {
  if (!existsSync(root)) throw new AppError('not_found', `${root} does not exist.`);
  const isDir = statSync(root).isDirectory();
  const wantsDir = kind !== 'csv' && kind !== 'idx';
  if (wantsDir && !isDir) throw new AppError('validation', `${root} is a file; a ${kind} dataset is a folder.`);
  if (!wantsDir && isDir) throw new AppError('validation', `${root} is a folder; a ${kind} dataset is a file.`);
}

function toRow(r: ImageRecord): ImageRow {
  return { ...r, sha256: r.sha256 || null, error: r.error ?? null };
}

function toRecord(r: ImageRow): ImageRecord {
  return {
    relPath: r.relPath, role: r.role, label: r.label, split: r.split, byteSize: r.byteSize, mtimeMs: r.mtimeMs,
    sha256: r.sha256 ?? '', width: r.width ?? 0, height: r.height ?? 0, channels: r.channels ?? 0, format: r.format ?? '',
    bitDepth: r.bitDepth ?? 0, hasAlpha: Boolean(r.hasAlpha), colorSpace: r.colorSpace ?? '', error: r.error,
  };
}

/** Datasets of projects: import, rescan, summaries, health and thumbnails. */
export class DatasetService {
  constructor(private readonly engine: EngineHost) {}

  /** Imports (or rescans) an input into the project; resolves with the dataset and the project's health report. */
  async import(store: ProjectStore, req: ImportRequest, onProgress?: (datasetId: number, p: ScanProgress) => void): Promise<{ dataset: DatasetSummary; report: HealthReport }> {
    const root = resolve(req.path);
    checkInput(req.kind, root);
    const isNew = !store.datasets.list().some((d) => d.kind === req.kind && d.root === root);
    const row = store.datasets.upsert(req.name ?? basename(root), req.kind, root);
    const plan = planFor(req, root);
    const known: Record<string, Partial<ImageRecord> & { byteSize: number; mtimeMs: number; sha256: string }> = {};
    for (const r of store.images.iterate(row.id)) known[r.relPath] = toRecord(r);
    try {
      await this.engine.request('data.scan', { ...plan, known }, {
        onEvent: (name, payload) => {
          if (name === 'records') store.images.putBatch(row.id, (payload as ImageRecord[]).map(toRow));
          else if (name === 'progress') onProgress?.(row.id, payload as ScanProgress);
        },
      });
    } catch (e) {
      // a failed first scan leaves no dataset behind
      if (isNew) store.datasets.remove(row.id);
      throw e;
    }
    const found = store.images.count(row.id);
    if (!found.readable) {
      if (isNew) store.datasets.remove(row.id);
      const what = found.n ? ` that can be read (${found.n} file${found.n === 1 ? '' : 's'}, none decodes)` : '';
      throw new AppError('validation', `No images found${what} in ${root}.`);
    }
    const report = await this.health(store);
    store.datasets.markScanned(row.id, { plan, readable: report.readable });
    return { dataset: this.summary(store, store.datasets.get(row.id)!), report };
  }

  /** The health report of the project over every dataset (duplicates across roles are label leakage), or of one dataset. */
  async health(store: ProjectStore, datasetId?: number): Promise<HealthReport> {
    if (datasetId !== undefined && !store.datasets.get(datasetId)) throw new AppError('not_found', `dataset ${datasetId} is not in ${store.folder}`);
    const records: ImageRecord[] = [];
    const roots = new Map(store.datasets.list().map((d) => [d.id, d.name]));
    const rows = datasetId === undefined ? store.images.iterateAll() : store.images.iterate(datasetId);
    for (const r of rows) records.push({ ...toRecord(r), relPath: `${roots.get(r.datasetId)}/${r.relPath}` });
    return this.engine.request('data.health', { records });
  }

  /** Forgets a dataset and its scan records; the image files themselves are never touched. */
  remove(store: ProjectStore, datasetId: number): { removed: boolean } {
    return { removed: store.datasets.remove(datasetId) };
  }

  /** Summaries of every dataset of a project. */
  list(store: ProjectStore): DatasetSummary[] {
    return store.datasets.list().map((d) => this.summary(store, d));
  }

  /** Thumbnails of a dataset's readable images, optionally of one class. */
  async samples(store: ProjectStore, datasetId: number, opts: { label?: string; limit: number; offset: number; size: number }): Promise<SampleImage[]> {
    const ds = store.datasets.get(datasetId);
    if (!ds) throw new AppError('not_found', `dataset ${datasetId} is not in ${store.folder}`);
    const rows = store.images.page(datasetId, opts.limit, opts.offset, opts.label ?? null);
    const base = ds.kind === 'csv' ? resolve(ds.root, '..') : ds.root;
    const items = rows.map((r) => ({ absPath: ds.kind === 'idx' ? `${ds.root}#${r.relPath.split('#').pop()}` : resolve(base, r.relPath) }));
    const thumbs = await this.engine.request('data.thumbnails', { items, size: opts.size });
    return rows.map((r, i) => ({ imageId: r.id, relPath: r.relPath, label: r.label, width: r.width, height: r.height, thumbnail: thumbs[i] }));
  }

  private summary(store: ProjectStore, d: DatasetRow): DatasetSummary {
    const c = store.images.count(d.id);
    const classes = Object.fromEntries(store.images.labelCounts(d.id).map((l) => [l.label, l.n]));
    return { id: d.id, name: d.name, kind: d.kind, root: d.root, scannedAt: d.scannedAt, total: c.n, readable: c.readable ?? 0, classes };
  }
}
