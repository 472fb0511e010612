/**
 * Engine jobs of the data pipeline: scan a dataset's inputs (folders, CSV, IDX) streaming
 * records back in batches, compute a health report, and make thumbnails.
 */
import sharp from 'sharp';
import { existsSync } from 'node:fs';
import type { ImageRecord } from '../shared/schemas/dataset';
import { AppError } from '../shared/errors';
import { registerJob } from './jobs';
import { scanSources } from './data/scan';
import { healthReport } from './data/health';
import { idxImage, idxRecords, loadIdxDataset } from './data/idx';

registerJob('data.scan', async (p, ctx) => {
  let count = 0;
  if (p.idx) {
    if (!existsSync(p.idx.images)) throw new AppError('not_found', `${p.idx.images} does not exist.`);
    const ds = await loadIdxDataset(p.idx.images, p.idx.labels, p.idx.classNames);
    const start = Date.now();
    for (const batch of idxRecords(ds, p.idx.role)) {
      if (ctx.signal.aborted) throw new AppError('cancelled', 'scan cancelled');
      count += batch.length;
      ctx.emit('records', batch);
      const elapsed = (Date.now() - start) / 1000;
      const rate = count / Math.max(elapsed, 1e-3);
      ctx.emit('progress', { done: count, read: count, unchanged: 0, errors: 0, total: ds.count, rate, etaSeconds: (ds.count - count) / rate, elapsedSeconds: elapsed });
    }
    return { count };
  }
  const known = p.known ?? {};
  for await (const batch of scanSources(p.specs ?? [], { known: (rel) => known[rel], onProgress: (pr) => ctx.emit('progress', pr) })) {
    if (ctx.signal.aborted) throw new AppError('cancelled', 'scan cancelled');
    count += batch.length;
    ctx.emit('records', batch);
  }
  return { count };
});

registerJob('data.health', async (p) => healthReport(p.records));

/** Thumbnails as PNG data URLs; IDX items are rendered from their pixels. */
registerJob('data.thumbnails', async ({ items, size }) => {
  const idxCache = new Map<string, Awaited<ReturnType<typeof loadIdxDataset>>>();
  const out: string[] = [];
  for (const item of items) {
    try {
      const m = item.absPath.match(/^(.*)#(\d+)$/);
      let png: Buffer;
      if (m && !existsSync(item.absPath)) {
        const [, file, index] = m;
        const ds = idxCache.get(file) ?? (await loadIdxDataset(file));
        idxCache.set(file, ds);
        png = await sharp(Buffer.from(idxImage(ds, Number(index))), { raw: { width: ds.width, height: ds.height, channels: ds.channels as 1 | 3 } })
          .resize(size, size, { kernel: 'nearest' }).png().toBuffer();
      } else {
        png = await sharp(item.absPath, { limitInputPixels: 100_000_000 }).rotate().resize(size, size, { fit: 'cover' }).png().toBuffer();
      }
      out.push(`data:image/png;base64,${png.toString('base64')}`);
    } catch {
      out.push('');
    }
  }
  return out;
});
