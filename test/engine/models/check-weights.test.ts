/**
 * The Models view's weights check on Attune's own files: a run checkpoint and an export of a
 * non-default width are checked with the widths and head their sidecar records, so checking a
 * run's own file against its architecture fits; without the sidecar the defaults apply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { createBackbone } from '../../../src/engine/models/registry';
import { createHead, linearHeadSpec } from '../../../src/engine/models/heads';
import { sidecarPath, writeCheckpoint } from '../../../src/engine/models/checkpoint';
import { exportClassifier } from '../../../src/engine/models/export/classifier';
import { checkWeights } from '../../../src/engine/preview-jobs';
import { sidecarFor } from '../../../src/engine/models/import/sidecar-config';

const dir = mkdtempSync(join(tmpdir(), 'attune-check-'));
beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model() {
  const backbone = createBackbone('small-resnet', { widths: [16, 32, 64] }, 3);
  const spec = linearHeadSpec(backbone.featureDim, 5);
  return { backbone, head: { prefix: 'fc', spec, params: createHead(spec, 'fc', 1).params } };
}

describe('checking a weights file', () => {
  it('reads a run checkpoint\'s own widths and head from its sidecar', async () => {
    const { backbone, head } = model();
    const path = join(dir, 'finetune-end.safetensors');
    await writeCheckpoint(path, backbone, { head });
    const check = await checkWeights({ path, arch: 'small-resnet' });
    expect(check.configFrom).toBe(sidecarPath(path));
    expect(check).toMatchObject({ complete: true, misshaped: [], missing: [], unexpected: [] });
    expect(check.matched).toBe(backbone.specs.length + 2);
    // another architecture ignores the sidecar and reports the misfit
    const other = await checkWeights({ path, arch: 'resnet18' });
    expect(other.configFrom).toBeUndefined();
    expect(other.complete).toBe(false);
    // an explicit config is taken as given
    const explicit = await checkWeights({ path, arch: 'small-resnet', config: { widths: [8, 16] } });
    expect(explicit.configFrom).toBeUndefined();
    expect(explicit.misshaped.length).toBeGreaterThan(0);
  });

  it('checks an export (safetensors and its TF.js model) with the export\'s sidecar', async () => {
    const { backbone, head } = model();
    const out = join(dir, 'export');
    const res = await exportClassifier(out, backbone, head, { classNames: ['a', 'b', 'c', 'd', 'e'] });
    const st = await checkWeights({ path: join(out, 'model.safetensors'), arch: 'small-resnet' });
    expect(st).toMatchObject({ complete: true, misshaped: [] });
    expect(sidecarFor(res.tfjsModel!)).toBe(join(out, 'model.attune.json'));
    const tfjs = await checkWeights({ path: res.tfjsModel!, arch: 'small-resnet' });
    expect(tfjs.configFrom).toBe(join(out, 'model.attune.json'));
    expect(tfjs.misshaped).toEqual([]);
  });

  it('falls back to the default widths without a sidecar', async () => {
    const { backbone } = model();
    const path = join(dir, 'bare.safetensors');
    await writeCheckpoint(path, backbone);
    rmSync(sidecarPath(path));
    const check = await checkWeights({ path, arch: 'small-resnet' });
    expect(check.configFrom).toBeUndefined();
    expect(check.complete).toBe(false);
  });
});
