/** Images of a dataset, written in batched transactions by scans. */
import type { Db } from '../db';

/** One scanned file, as the images table stores it (camelCase of its columns). */
export interface ImageRow {
  relPath: string;
  role: 'labeled' | 'unlabeled' | 'source' | 'test';
  label: string | null;
  split: 'train' | 'val' | 'test' | null;
  byteSize: number;
  mtimeMs: number;
  sha256: string | null;
  width: number | null;
  height: number | null;
  channels: number | null;
  format: string | null;
  bitDepth: number | null;
  hasAlpha: boolean | null;
  colorSpace: string | null;
  error: string | null;
}

/** Repository of images. */
export function imagesRepo(db: Db) {
  const upsert = db.prepare(`
    INSERT INTO images (dataset_id, rel_path, role, label, split, byte_size, mtime_ms, sha256, width, height,
                        channels, format, bit_depth, has_alpha, color_space, error)
    VALUES (@datasetId, @relPath, @role, @label, @split, @byteSize, @mtimeMs, @sha256, @width, @height,
            @channels, @format, @bitDepth, @hasAlpha, @colorSpace, @error)
    ON CONFLICT (dataset_id, rel_path) DO UPDATE SET
      role = excluded.role, label = excluded.label, split = excluded.split, byte_size = excluded.byte_size,
      mtime_ms = excluded.mtime_ms, sha256 = excluded.sha256, width = excluded.width, height = excluded.height,
      channels = excluded.channels, format = excluded.format, bit_depth = excluded.bit_depth,
      has_alpha = excluded.has_alpha, color_space = excluded.color_space, error = excluded.error`);
  const known = db.prepare('SELECT byte_size AS byteSize, mtime_ms AS mtimeMs, sha256 FROM images WHERE dataset_id = ? AND rel_path = ?');
  const count = db.prepare('SELECT count(*) AS n, sum(error IS NULL) AS readable FROM images WHERE dataset_id = ?');
  const labels = db.prepare('SELECT label, count(*) AS n FROM images WHERE dataset_id = ? AND error IS NULL AND label IS NOT NULL GROUP BY label ORDER BY label');
  const page = db.prepare(`SELECT id, rel_path AS relPath, label, width, height, error FROM images
    WHERE dataset_id = ? AND error IS NULL AND (? IS NULL OR label = ?) ORDER BY id LIMIT ? OFFSET ?`);
  const full = `SELECT id, dataset_id AS datasetId, rel_path AS relPath, role, label, split, byte_size AS byteSize,
    mtime_ms AS mtimeMs, sha256, width, height, channels, format, bit_depth AS bitDepth, has_alpha AS hasAlpha,
    color_space AS colorSpace, error FROM images`;
  const ofDataset = db.prepare(`${full} WHERE dataset_id = ? ORDER BY id`);
  const ofProject = db.prepare(`${full} ORDER BY id`);

  const insertMany = db.transaction((datasetId: number, rows: ImageRow[]) => {
    for (const r of rows) upsert.run({ ...r, datasetId, hasAlpha: r.hasAlpha === null ? null : r.hasAlpha ? 1 : 0 });
  });
  return {
    /** Writes a batch of scan results in one transaction (insert or update by path). */
    putBatch: (datasetId: number, rows: ImageRow[]) => insertMany(datasetId, rows),
    /** What a previous scan saw of a path, so a rescan can skip unchanged files. */
    known: (datasetId: number, relPath: string) =>
      known.get(datasetId, relPath) as { byteSize: number; mtimeMs: number; sha256: string | null } | undefined,
    /** Total and readable counts. */
    count: (datasetId: number) => count.get(datasetId) as { n: number; readable: number | null },
    /** Readable images per label. */
    labelCounts: (datasetId: number) => labels.all(datasetId) as { label: string; n: number }[],
    /** A page of readable images in insertion order, optionally of one label. */
    page: (datasetId: number, limit: number, offset: number, label: string | null = null) =>
      page.all(datasetId, label, label, limit, offset) as { id: number; relPath: string; label: string | null; width: number; height: number }[],
    /** Every image row of a dataset (iterated, not loaded at once). */
    iterate: (datasetId: number) => ofDataset.iterate(datasetId) as IterableIterator<ImageRow & { id: number; datasetId: number }>,
    /** Every image row of the project. */
    iterateAll: () => ofProject.iterate() as IterableIterator<ImageRow & { id: number; datasetId: number }>,
  };
}
