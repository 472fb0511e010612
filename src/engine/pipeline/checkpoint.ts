/**
 * Run checkpoints: one safetensors file holding every tensor needed to continue (backbone,
 * head, method and optimiser state) with the rest of the state as JSON metadata. Written to a
 * temporary name, flushed, then renamed, so a kill or a full disk never leaves a partial file
 * under the real name and the previous checkpoint stays intact.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../models/formats/safetensors';
import type { SerializedTensors } from '../train/tensor-state';

export const CHECKPOINT_VERSION = 1;

/** The JSON part of a checkpoint. */
export interface CheckpointMeta {
  version: number;
  runId: string;
  stageIdx: number;
  /** optimiser steps done in the stage */
  step: number;
  /** true at a stage's end: the next run starts the following stage */
  final: boolean;
  /** stage-specific plain state (rng, sampler, optimiser config, method meta ...) */
  state: Record<string, unknown>;
}

/** A checkpoint read back. */
export interface RunCheckpoint {
  meta: CheckpointMeta;
  /** tensors by group: `backbone`, `head`, `method`, `optimizer` ... */
  groups: Record<string, SerializedTensors>;
}

/** The file name of a checkpoint. */
export function checkpointName(stageIdx: number, step: number, final: boolean): string {
  return `ckpt-s${stageIdx}-${String(step).padStart(7, '0')}${final ? '-end' : ''}.safetensors`;
}

/** Writes part of a buffer to a file descriptor; returns the bytes written (fs.writeSync's shape). */
export type ChunkWriter = (fd: number, bytes: Uint8Array, offset: number, length: number) => number;

/**
 * Writes a checkpoint atomically into `dir`; returns its path, hash and size. A write error
 * (a full disk) leaves no file behind and names the reason. `write` is replaceable for tests.
 */
export function writeRunCheckpoint(dir: string, ck: RunCheckpoint, write: ChunkWriter = writeSync): { path: string; sha256: string; byteSize: number } {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [group, map] of Object.entries(ck.groups)) for (const [k, t] of Object.entries(map)) tensors.set(`${group}/${k}`, t);
  const bytes = writeSafetensors(tensors, { attune: JSON.stringify(ck.meta) });
  const path = join(dir, checkpointName(ck.meta.stageIdx, ck.meta.step, ck.meta.final));
  const tmp = `${path}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    let off = 0;
    while (off < bytes.length) off += write(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOSPC' ? 'the disk is full' : err.message;
    throw new Error(`checkpoint ${path} could not be written (${why}); the previous checkpoint is kept`);
  }
  return { path, sha256: createHash('sha256').update(bytes).digest('hex'), byteSize: bytes.length };
}

/**
 * Reads a checkpoint written by `writeRunCheckpoint`; errors name the file. With `expectedSha256`
 * the bytes read are hashed first and a mismatch is refused, so a changed file is never used.
 */
export function readRunCheckpoint(path: string, expectedSha256: string | null = null): RunCheckpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`checkpoint ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (expectedSha256 && createHash('sha256').update(bytes).digest('hex') !== expectedSha256) {
    throw new Error(`checkpoint ${path} does not match the SHA-256 recorded when it was written (it was changed or damaged); it was not used`);
  }
  const { tensors, metadata } = readSafetensors(bytes, path);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(metadata.attune ?? '') as CheckpointMeta;
  } catch {
    throw new Error(`checkpoint ${path} has no Attune run metadata`);
  }
  if (meta.version !== CHECKPOINT_VERSION) throw new Error(`checkpoint ${path} has version ${meta.version}, this Attune reads ${CHECKPOINT_VERSION}`);
  const groups: Record<string, SerializedTensors> = {};
  for (const [key, t] of tensors) {
    const slash = key.indexOf('/');
    const group = key.slice(0, slash);
    (groups[group] ??= {})[key.slice(slash + 1)] = { shape: t.shape, data: t.data };
  }
  return { meta, groups };
}
