/**
 * Checkpoint sidecars get a strict schema: a normalisation no real model uses, an unknown
 * field or a sidecar that is not JSON is refused with a plain message naming the file and the
 * field, before any weights are read.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCheckpointMeta } from '../../../src/engine/models/sidecar';
import { readCheckpoint, sidecarPath } from '../../../src/engine/models/checkpoint';

const dir = mkdtempSync(join(tmpdir(), 'attune-sidecar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good = {
  format: 'attune-checkpoint', version: 1, arch: 'small-resnet', config: {}, featureDim: 16,
  normalization: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  provenance: { createdAt: '2026-01-01T00:00:00.000Z' }, weightsSha256: 'a'.repeat(64),
};
const withStd = (std: unknown) => ({ ...good, normalization: { ...good.normalization, std } });

/** The message parseCheckpointMeta throws ('' when it accepts). */
function refusal(raw: unknown): string {
  try {
    parseCheckpointMeta(raw, 'model.attune.json');
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('checkpoint sidecar schema', () => {
  it('accepts the sidecar Attune writes', () => {
    expect(refusal(good)).toBe('');
  });

  it('refuses a std that is tiny, zero, negative, not a number or of the wrong length', () => {
    expect(refusal(withStd([1e-9, 0.2, 0.2]))).toBe('model.attune.json: invalid checkpoint sidecar at "normalization.std.0": normalization std must be at least 0.001 (got 1e-9)');
    expect(refusal(withStd([0.2, 0, 0.2]))).toContain('"normalization.std.1": normalization std must be at least 0.001 (got 0)');
    expect(refusal(withStd([0.2, 0.2, -1]))).toContain('"normalization.std.2": normalization std must be at least 0.001 (got -1)');
    // JSON has no NaN: JSON.stringify writes null
    expect(refusal(JSON.parse(JSON.stringify(withStd([Number.NaN, 0.2, 0.2]))))).toContain('normalization std must be a number from 0.001 to 10 (got null)');
    expect(refusal(withStd([0.2, 0.2]))).toContain('"normalization.std": normalization std must have 3 values, one per RGB channel (got 2)');
    expect(refusal(withStd([1e6, 0.2, 0.2]))).toContain('normalization std must be at most 10 (got 1,000,000)');
    expect(refusal({ ...good, normalization: { ...good.normalization, mean: [1e9, 0, 0] } })).toContain('normalization mean must be at most 10 (got 1e9)');
  });

  it('refuses unknown fields, like recipes', () => {
    expect(refusal({ ...good, extra: 1 })).toContain('invalid checkpoint sidecar at "(sidecar)"');
    expect(refusal({ ...good, extra: 1 })).toContain('"extra"');
    expect(refusal({ ...good, normalization: { ...good.normalization, scale: 2 } })).toContain('at "normalization"');
  });

  it('is what readCheckpoint checks, before reading the weights, and a sidecar that is not JSON is not quoted', () => {
    const weights = join(dir, 'model.safetensors');
    writeFileSync(weights, 'not read: the sidecar is refused first');
    writeFileSync(sidecarPath(weights), JSON.stringify(withStd([1e-9, 1e-9, 1e-9])));
    expect(() => readCheckpoint(weights)).toThrow(/model\.attune\.json: invalid checkpoint sidecar at "normalization\.std\.0": normalization std must be at least 0\.001 \(got 1e-9\)/);
    writeFileSync(sidecarPath(weights), 'MARKER-7Q3Z secret text');
    let message = '';
    try {
      readCheckpoint(weights);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('model.attune.json: checkpoint sidecar is not JSON');
    expect(message).not.toContain('MARKER');
    expect(message).not.toContain('secret');
  });
});
