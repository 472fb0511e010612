/**
 * Export of a trained classifier into a folder: the safetensors checkpoint with its sidecar
 * and, where the architecture is covered, a TensorFlow.js LayersModel under `tfjs/`.
 * The folder is assembled under a temporary name and renamed into place.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Backbone, HeadSpec, Params } from '../types';
import { writeCheckpoint, type CheckpointInfo, type CheckpointMeta } from '../checkpoint';
import { exportTfjsLayers, tfjsExportSupported } from './tfjs-layers';

/** What an export wrote. */
export interface ExportResult {
  dir: string;
  checkpoint: string;
  meta: CheckpointMeta;
  /** model.json path, or undefined with the reason in `tfjsSkipped` */
  tfjsModel?: string;
  tfjsSkipped?: string;
}

/**
 * Writes `outDir/model.safetensors` (+ `model.attune.json`) and `outDir/tfjs/model.json` +
 * shard. Refuses to overwrite an existing folder. Asynchronous: the weights are read back with `await`.
 */
export async function exportClassifier(
  outDir: string,
  backbone: Backbone,
  head: { prefix: string; spec: HeadSpec; params: Params },
  info: Omit<CheckpointInfo, 'head'> = {},
): Promise<ExportResult> {
  if (existsSync(outDir)) throw new Error(`${outDir}: already exists; choose a new export folder`);
  const tmp = join(dirname(outDir), `.${basename(outDir)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const meta = await writeCheckpoint(join(tmp, 'model.safetensors'), backbone, { ...info, head });
    let tfjsSkipped: string | undefined;
    if (tfjsExportSupported(backbone.arch)) {
      const ex = await exportTfjsLayers(backbone, head);
      mkdirSync(join(tmp, 'tfjs'));
      writeFileSync(join(tmp, 'tfjs', ex.shardName), ex.shard);
      writeFileSync(join(tmp, 'tfjs', 'model.json'), JSON.stringify({ ...ex.modelJson, userDefinedMetadata: { classNames: info.classNames ?? [], normalization: meta.normalization } }));
    } else tfjsSkipped = `TF.js export does not cover ${backbone.arch} yet (small-resnet and resnet18/34/50/101 are covered)`;
    renameSync(tmp, outDir);
    return {
      dir: outDir,
      checkpoint: join(outDir, 'model.safetensors'),
      meta,
      ...(tfjsSkipped ? { tfjsSkipped } : { tfjsModel: join(outDir, 'tfjs', 'model.json') }),
    };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
