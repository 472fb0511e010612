/**
 * Engine jobs of the studio: the augmentation preview (two self-supervised views of a few
 * images, drawn by the data pipeline's own augmentation code), the model library, and a check
 * of a weight file against an architecture. Heavy modules load on first use.
 */
import sharp from 'sharp';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { AppError } from '../shared/errors';
import { registerJob } from './jobs';
import type { AugmentPreview, AugmentPreviewParams, ExportParams, PreviewItem } from '../shared/engine-jobs';
import { idxImage, loadIdxDataset, type IdxDataset } from './data/idx';

const idxCache = new Map<string, IdxDataset>();

/** Decodes an item to `size`×`size` RGB uint8 (files cover-cropped, IDX images scaled). */
export async function decodeRgb(item: PreviewItem, size: number): Promise<Uint8Array> {
  const m = item.absPath.match(/^(.*)#(\d+)$/);
  if (m && !existsSync(item.absPath)) {
    const [, file, index] = m;
    let ds = idxCache.get(file);
    if (!ds) {
      ds = await loadIdxDataset(file);
      idxCache.clear();
      idxCache.set(file, ds);
    }
    const i = Number(index);
    if (i >= ds.count) throw new AppError('not_found', `${file}: image ${i} does not exist (the file holds ${ds.count})`);
    const raw = sharp(Buffer.from(idxImage(ds, i)), { raw: { width: ds.width, height: ds.height, channels: ds.channels as 1 | 3 } });
    return new Uint8Array(await raw.resize(size, size, { kernel: 'lanczos3' }).removeAlpha().toColourspace('srgb').raw().toBuffer());
  }
  const buf = await sharp(item.absPath, { limitInputPixels: 100_000_000 }).rotate().resize(size, size, { fit: 'cover' }).removeAlpha().toColourspace('srgb').raw().toBuffer();
  return new Uint8Array(buf);
}

/** Encodes `size`×`size` RGB uint8 pixels as a PNG data URL. */
export async function rgbToDataUrl(pixels: Uint8Array, size: number): Promise<string> {
  const png = await sharp(Buffer.from(pixels), { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** Turns a view tensor in [0, 1] (N,H,W,3) into one uint8 array per image. */
async function viewPixels(view: tf.Tensor4D): Promise<Uint8Array[]> {
  const [n, h, w, c] = view.shape;
  const data = await view.data();
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const img = new Uint8Array(h * w * c);
    for (let j = 0; j < img.length; j++) img[j] = Math.max(0, Math.min(255, Math.round(data[i * h * w * c + j] * 255)));
    out.push(img);
  }
  return out;
}

/** Draws the two views of a pipeline for every item; unreadable items are skipped with no view. */
export async function augmentPreview(p: AugmentPreviewParams): Promise<AugmentPreview> {
  const { VIEW_PIPELINES } = await import('./data/augment/policies');
  const { augmentViews } = await import('./data/augment/pipeline');
  const { SeededRandom } = await import('./train/seed');
  const policies = VIEW_PIPELINES[p.policy];
  if (!policies || policies.length !== 2) throw new AppError('validation', `unknown augmentation policy "${p.policy}" (known: ${Object.keys(VIEW_PIPELINES).filter((k) => VIEW_PIPELINES[k].length === 2).join(', ')})`);
  const size = p.size;
  const decoded: { item: PreviewItem; pixels: Uint8Array }[] = [];
  for (const item of p.items) {
    try {
      decoded.push({ item, pixels: await decodeRgb(item, size) });
    } catch {
      // an unreadable file is listed by the health report; the preview just leaves it out
    }
  }
  if (decoded.length === 0) return { policy: p.policy, size, items: [] };
  const batch = new Uint8Array(decoded.length * size * size * 3);
  decoded.forEach((d, i) => batch.set(d.pixels, i * size * size * 3));
  const views = augmentViews(batch, [decoded.length, size, size, 3], policies, { outSize: size, mean: [0, 0, 0], std: [1, 1, 1], rng: new SeededRandom(p.seed) });
  try {
    const [a, b] = await Promise.all(views.map(viewPixels));
    const items = [];
    for (let i = 0; i < decoded.length; i++) {
      items.push({
        relPath: decoded[i].item.relPath,
        label: decoded[i].item.label,
        original: await rgbToDataUrl(decoded[i].pixels, size),
        views: [await rgbToDataUrl(a[i], size), await rgbToDataUrl(b[i], size)] as [string, string],
      });
    }
    return { policy: p.policy, size, items };
  } finally {
    views.forEach((v) => v.dispose());
  }
}

registerJob('studio.augmentPreview', async (params) => {
  const { initBackend } = await import('./backend/index');
  await initBackend();
  return augmentPreview(params);
});

registerJob('models.catalog', async () => {
  const { MODEL_CATALOG } = await import('./models/catalog');
  const { listArchitectures } = await import('./models/registry');
  return {
    architectures: listArchitectures(),
    entries: MODEL_CATALOG.map(({ normalization: _n, ...e }) => e),
  };
});

/**
 * Reads a weight file and matches its keys to an architecture's parameters (nothing is kept).
 * Without an explicit config, a checkpoint or export of the same architecture is checked with
 * the widths, blocks and head its own sidecar records.
 */
export async function checkWeights(p: { path: string; arch: string; config?: Record<string, unknown> }) {
  const { readWeightFile } = await import('./models/import/read-file');
  const { matchWeights } = await import('./models/import/match');
  const { classifierNaming } = await import('./models/import/load');
  const { createBackbone, disposeParams } = await import('./models/registry');
  const { readSidecarConfig } = await import('./models/import/sidecar-config');
  const { createHead } = await import('./models/heads');
  if (!existsSync(p.path)) throw new AppError('not_found', `${p.path} does not exist.`);
  const own = readSidecarConfig(p.path);
  const fromSidecar = own !== null && own.arch === p.arch && Object.keys(p.config ?? {}).length === 0;
  let file;
  try {
    file = readWeightFile(p.path);
  } catch (e) {
    throw new AppError('validation', e instanceof Error ? e.message : String(e));
  }
  let backbone;
  try {
    backbone = createBackbone(p.arch, fromSidecar ? own.config : (p.config ?? {}), 0, { skipInit: true });
  } catch (e) {
    throw new AppError('validation', e instanceof Error ? e.message : String(e));
  }
  try {
    const head = fromSidecar && own.head ? createHead(own.head.spec as Parameters<typeof createHead>[0], own.head.prefix, 0) : null;
    if (head) disposeParams(head.params);
    const specs = head ? [...backbone.specs, ...head.specs] : backbone.specs;
    const { report } = matchWeights(specs, file.tensors, file.layout, classifierNaming(p.arch).aliases);
    return {
      ...(fromSidecar ? { configFrom: own.file } : {}),
      path: p.path, format: file.format, arch: p.arch, strippedPrefix: report.strippedPrefix, matched: report.matched.length,
      missing: report.missing, unexpected: report.unexpected, misshaped: report.misshaped,
      complete: report.matched.length > 0 && report.missing.length === 0 && report.misshaped.length === 0,
    };
  } finally {
    disposeParams(backbone.params);
  }
}

registerJob('models.checkWeights', async (params) => {
  const { initBackend } = await import('./backend/index');
  await initBackend();
  return checkWeights(params);
});

/** Rebuilds the classifier of a run checkpoint and exports it (safetensors + sidecar, TF.js when covered). */
export async function exportRunClassifier(p: ExportParams) {
  const { readRunCheckpoint } = await import('./pipeline/checkpoint');
  const { restoreInto } = await import('./train/tensor-state');
  const { createBackbone, disposeParams } = await import('./models/registry');
  const { createHead } = await import('./models/heads');
  const { exportClassifier } = await import('./models/export/classifier');
  if (!existsSync(p.checkpointPath)) throw new AppError('not_found', `${p.checkpointPath} does not exist.`);
  const ck = readRunCheckpoint(p.checkpointPath);
  const state = ck.meta.state as { headSpec?: unknown; headPrefix?: string };
  if (!ck.groups.head || !state.headSpec || !state.headPrefix) {
    throw new AppError('validation', `${p.checkpointPath}: this checkpoint holds no classifier head; export a checkpoint of a fine-tune stage`);
  }
  const backbone = createBackbone(p.arch, p.config, 0, { skipInit: true });
  const spec = state.headSpec as Parameters<typeof createHead>[0];
  const head = createHead(spec, state.headPrefix, 0);
  try {
    restoreInto(backbone.params, ck.groups.backbone ?? {}, `${p.checkpointPath} backbone`);
    restoreInto(head.params, ck.groups.head, `${p.checkpointPath} head`);
    const r = await exportClassifier(p.outDir, backbone, { prefix: state.headPrefix, spec, params: head.params }, { classNames: p.classNames, provenance: { runId: p.runId } });
    return { dir: r.dir, checkpoint: r.checkpoint, tfjsModel: r.tfjsModel ?? null, tfjsSkipped: r.tfjsSkipped ?? null };
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('validation', e instanceof Error ? e.message : String(e));
  } finally {
    disposeParams(backbone.params);
    disposeParams(head.params);
  }
}

registerJob('models.export', async (params) => {
  const { initBackend } = await import('./backend/index');
  await initBackend();
  return exportRunClassifier(params);
});

registerJob('studio.memory', async () => {
  const m = process.memoryUsage();
  let backend: string | null = null;
  let tensorBytes = 0;
  let tensors = 0;
  try {
    backend = tf.getBackend() ?? null;
    const mem = tf.memory();
    tensorBytes = mem.numBytes;
    tensors = mem.numTensors;
  } catch {
    // no backend yet: nothing held
  }
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, tensorBytes, tensors, backend };
});
