/**
 * The architecture settings a weight file records about itself: Attune's checkpoints and
 * exports carry a JSON sidecar (`<name>.attune.json`; for an export's `tfjs/model.json`, the
 * `model.attune.json` beside its folder) with the widths and blocks they were built with and
 * their classifier head. Checking such a file against its architecture must build that
 * architecture, not the default one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseCheckpointMeta, type CheckpointMeta } from '../sidecar';

/** The sidecar path that belongs to a weights file, or null when the file has none. */
export function sidecarFor(weightsPath: string): string | null {
  const candidates = /\.safetensors$/i.test(weightsPath)
    ? [weightsPath.replace(/\.safetensors$/i, '') + '.attune.json']
    : basename(weightsPath) === 'model.json' && basename(dirname(weightsPath)) === 'tfjs'
      ? [join(dirname(dirname(weightsPath)), 'model.attune.json')]
      : [];
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** What a sidecar says of the model: its architecture, config and head (null without a readable sidecar). */
export function readSidecarConfig(weightsPath: string): { file: string; arch: string; config: Record<string, unknown>; head: CheckpointMeta['head'] } | null {
  const file = sidecarFor(weightsPath);
  if (!file) return null;
  try {
    const meta = parseCheckpointMeta(JSON.parse(readFileSync(file, 'utf8')), file);
    return { file, arch: meta.arch, config: meta.config, head: meta.head };
  } catch {
    return null; // a damaged sidecar: the check falls back to the architecture's defaults
  }
}
