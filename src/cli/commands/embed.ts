/**
 * `attune embed`: pooled features (and logits when the weights include a classifier) of
 * images or an NHWC array, in eval mode, written as .npy.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { CliIo } from '../io';
import { UsageError, numberFlag, parseFlags } from '../args';
import { createBackbone } from '../../engine/models/registry';
import { readWeightFile } from '../../engine/models/import/read-file';
import { loadWeights } from '../../engine/models/import/load';
import { formatReport, type ImportReport } from '../../engine/models/import/match';
import { IMAGENET_NORMALIZATION, isCheckpoint, readCheckpoint } from '../../engine/models/checkpoint';
import { readNpy, writeNpy } from '../../engine/models/formats/npy';
import { arrayBatches, embedArrays, imageBatches, listImages, type EmbedModel } from '../../engine/models/embed';

export const summary = 'pooled features (and logits) of images or an array with a model, as .npy';

const USAGE = `Usage: attune embed --arch A --weights FILE (--images DIR --size N | --input-npy X.npy)
                    [--out FEATURES.npy] [--logits-out LOGITS.npy] [--batch 16] [--config JSON] [--json]
  --weights  .safetensors (PyTorch state dict or Attune checkpoint), .npz (BiT), Keras .h5, TF.js model.json
  --config   architecture options, e.g. Keras weights: '{"padding":"same","bnEps":0.001}' (EfficientNet),
             '{"strideOn":"1x1","bnEps":1.001e-5}' (ResNet-50)
  --images   decoded with sharp, shorter side resized to --size, centre-cropped, normalised with the
             checkpoint's mean/std (imported weights: ImageNet's; BiT: 0.5/0.5); override with
             --mean r,g,b --std r,g,b
  --input-npy  NHWC float32, already normalised`;

async function useBackend(): Promise<string> {
  try {
    const backend = await import('../../engine/backend');
    const report = await backend.initBackend();
    return (report as { kind?: string }).kind ?? tf.getBackend();
  } catch {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('no TensorFlow.js backend could be started');
    return 'wasm';
  }
}

function parseList(value: string | undefined, name: string): number[] | undefined {
  if (value === undefined) return undefined;
  const xs = value.split(',').map(Number);
  if (xs.length !== 3 || xs.some((x) => !Number.isFinite(x))) throw new UsageError(`--${name} must be three comma-separated numbers`);
  return xs;
}

/** Runs `attune embed`. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, {
    arch: { type: 'string' },
    config: { type: 'string' },
    weights: { type: 'string' },
    images: { type: 'string' },
    size: { type: 'string' },
    'input-npy': { type: 'string' },
    out: { type: 'string' },
    'logits-out': { type: 'string' },
    batch: { type: 'string' },
    mean: { type: 'string' },
    std: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!values.weights) throw new UsageError(`--weights is required\n${USAGE}`);
  if (!values.images === !values['input-npy']) throw new UsageError(`give exactly one of --images DIR or --input-npy X.npy\n${USAGE}`);
  if (values.images && !values.size) throw new UsageError('--images needs --size N');
  const size = numberFlag(values.size, 'size', 0);
  const batch = numberFlag(values.batch, 'batch', 16);
  if (values.images && (!Number.isInteger(size) || size < 8)) throw new UsageError('--size must be an integer of at least 8');
  if (!Number.isInteger(batch) || batch < 1) throw new UsageError('--batch must be a positive integer');
  const outPath = values.out ?? 'features.npy';

  try {
    const backendName = await useBackend();
    let model: EmbedModel;
    let report: ImportReport | undefined;
    let normalization = IMAGENET_NORMALIZATION;
    if (isCheckpoint(values.weights)) {
      const ck = readCheckpoint(values.weights);
      if (values.arch && values.arch !== ck.meta.arch) throw new UsageError(`--arch ${values.arch} does not match the checkpoint's ${ck.meta.arch}`);
      model = { backbone: ck.backbone, head: ck.head };
      normalization = ck.meta.normalization;
    } else {
      if (!values.arch) throw new UsageError('--arch is required for imported weights (it is read from Attune checkpoints)');
      let config: Record<string, unknown> = {};
      if (values.config) {
        try {
          config = JSON.parse(values.config);
        } catch {
          throw new UsageError(`--config must be a JSON object, e.g. '{"padding":"same","bnEps":0.001}'`);
        }
      }
      const backbone = createBackbone(values.arch, config, 0, { skipInit: true });
      const loaded = loadWeights(backbone, readWeightFile(values.weights), { withHead: true, strict: true });
      report = loaded.report;
      model = { backbone, head: loaded.head };
      // BiT expects inputs in [-1, 1]; the others ImageNet mean/std
      if (values.arch.startsWith('bit-')) normalization = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
    }
    if (values['logits-out'] && !model.head) throw new Error(`${values.weights}: has no classifier head, so there are no logits to write`);
    const mean = parseList(values.mean, 'mean') ?? normalization.mean;
    const std = parseList(values.std, 'std') ?? normalization.std;

    let files: string[] | undefined;
    let batches;
    if (values.images) {
      files = listImages(values.images);
      if (files.length === 0) throw new Error(`${values.images}: no images found (jpg, png, webp, tiff, gif, avif)`);
      batches = imageBatches(files, size, batch, mean, std);
    } else {
      const arr = readNpy(new Uint8Array(readFileSync(values['input-npy']!)), values['input-npy']);
      const c = arr.shape[3];
      if (arr.shape.length !== 4 || c !== ((model.backbone.config.inChannels as number | undefined) ?? 3)) {
        throw new Error(`${values['input-npy']}: expected an NHWC array with ${(model.backbone.config.inChannels as number | undefined) ?? 3} channels, got shape (${arr.shape.join(', ')})`);
      }
      batches = arrayBatches(arr.data, arr.shape, batch);
    }
    const result = await embedArrays(model, batches);
    writeFileSync(outPath, writeNpy(result.features, [result.count, model.backbone.featureDim]));
    if (values['logits-out'] && result.logits) {
      writeFileSync(values['logits-out'], writeNpy(result.logits, [result.count, result.logits.length / result.count]));
    }
    const summaryData = {
      arch: model.backbone.arch,
      backend: backendName,
      count: result.count,
      featureDim: model.backbone.featureDim,
      out: outPath,
      ...(values['logits-out'] ? { logitsOut: values['logits-out'] } : {}),
      ...(report ? { import: { matched: report.matched.length, missing: report.missing, unexpected: report.unexpected, strippedPrefix: report.strippedPrefix } } : {}),
      ...(files ? { files } : {}),
    };
    if (values.json) io.out(JSON.stringify(summaryData));
    else {
      if (report) io.err(`weights: ${formatReport(report)}`);
      io.out(`${result.count} × ${model.backbone.featureDim} features → ${outPath}${values['logits-out'] ? `; logits → ${values['logits-out']}` : ''} (${backendName})`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    io.err(`attune embed: ${(e as Error).message}`);
    return 1;
  }
}
