/**
 * The scan: streams candidates from the importers, probes new or changed files with a
 * bounded number in flight, and emits ImageRecords in batches with progress (count, rate,
 * ETA). Memory stays bounded by the batch size and the concurrency, whatever the dataset size.
 */
import type { ImageRecord, ScanProgress } from '../../shared/schemas/dataset';
import { probeFile, type ProbeOptions, type ProbeResult } from './probe';
import { candidatesOf, type Candidate, type SourceSpec } from './sources';
import type { KnownFile } from '../../shared/engine-jobs';

export type { KnownFile };
import type { WalkOptions } from './walk';

/** A previous record, when the store can give it back whole (lets a rescan skip reading entirely). */
export type KnownLookup = (relPath: string) => (KnownFile & Partial<ImageRecord>) | undefined;

export interface ScanOptions extends ProbeOptions {
  /** records per emitted batch (default 256) */
  batchSize?: number;
  /** files probed at once, kept in order (default 8) */
  concurrency?: number;
  /** rescan: facts of files seen before; unchanged files are not read */
  known?: KnownLookup;
  onProgress?: (p: ScanProgress) => void;
  /** minimum milliseconds between progress calls (default 200; the final call always happens) */
  progressIntervalMs?: number;
  /** total number of candidates when known in advance (enables the ETA) */
  total?: number;
  /** walk options passed to folder importers */
  walk?: WalkOptions;
}

/** Tells whether a file changed since the known facts. */
export function isUnchanged(c: Candidate, k: KnownFile | undefined): boolean {
  return k !== undefined && k.sha256 !== '' && k.byteSize === c.byteSize && Math.floor(k.mtimeMs) === Math.floor(c.mtimeMs);
}

function recordOf(c: Candidate, p: ProbeResult): ImageRecord {
  return { relPath: c.relPath, role: c.role, label: c.label, split: c.split, byteSize: c.byteSize, mtimeMs: c.mtimeMs, ...p };
}

function importErrorRecord(c: Candidate): ImageRecord {
  return {
    relPath: c.relPath, role: c.role, label: c.label, split: c.split, byteSize: c.byteSize, mtimeMs: c.mtimeMs,
    sha256: '', width: 0, height: 0, channels: 0, format: '', bitDepth: 0, hasAlpha: false, colorSpace: '', error: c.error ?? null,
  };
}

/** A record rebuilt from the previous scan, or null when the lookup lacks the image facts. */
function reuse(c: Candidate, k: KnownFile & Partial<ImageRecord>): ImageRecord | null {
  if (k.width === undefined || k.height === undefined || k.format === undefined) return null;
  return {
    relPath: c.relPath, role: c.role, label: c.label, split: c.split, byteSize: c.byteSize, mtimeMs: c.mtimeMs,
    sha256: k.sha256, width: k.width, height: k.height, channels: k.channels ?? 0, format: k.format,
    bitDepth: k.bitDepth ?? 8, hasAlpha: k.hasAlpha ?? false, colorSpace: k.colorSpace ?? '', error: k.error ?? null,
  };
}

/**
 * Scans a stream of candidates and yields records in batches. With `known`, unchanged
 * files (same size and mtime) are not read: their previous facts are reused when the lookup
 * returns them, and they are left out of the output otherwise (the store keeps its row).
 */
export async function* scanCandidates(candidates: AsyncIterable<Candidate>, opts: ScanOptions = {}): AsyncGenerator<ImageRecord[]> {
  const batchSize = opts.batchSize ?? 256;
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const interval = opts.progressIntervalMs ?? 200;
  const start = Date.now();
  let lastReport = 0;
  const stats = { done: 0, read: 0, unchanged: 0, errors: 0 };
  const report = (force: boolean, currentPath?: string) => {
    if (!opts.onProgress) return;
    const now = Date.now();
    if (!force && now - lastReport < interval) return;
    lastReport = now;
    const elapsed = (now - start) / 1000;
    const rate = elapsed > 0 ? stats.done / elapsed : 0;
    const total = opts.total ?? null;
    const eta = total !== null && rate > 0 ? Math.max(0, (total - stats.done) / rate) : null;
    opts.onProgress({ ...stats, total, rate, etaSeconds: eta, elapsedSeconds: elapsed, currentPath });
  };

  const inFlight: Promise<ImageRecord | null>[] = [];
  let batch: ImageRecord[] = [];
  const settle = async (): Promise<ImageRecord[] | null> => {
    const rec = await inFlight.shift()!;
    stats.done++;
    if (rec) {
      if (rec.error) stats.errors++;
      batch.push(rec);
    }
    report(false, rec?.relPath);
    if (batch.length >= batchSize) {
      const out = batch;
      batch = [];
      return out;
    }
    return null;
  };

  for await (const c of candidates) {
    if (c.error) inFlight.push(Promise.resolve(importErrorRecord(c)));
    else {
      const k = opts.known?.(c.relPath);
      if (isUnchanged(c, k)) {
        stats.unchanged++;
        inFlight.push(Promise.resolve(reuse(c, k!)));
      } else {
        stats.read++;
        inFlight.push(probeFile(c.absPath, opts).then((p) => recordOf(c, p)));
      }
    }
    while (inFlight.length >= concurrency) {
      const out = await settle();
      if (out) yield out;
    }
  }
  while (inFlight.length > 0) {
    const out = await settle();
    if (out) yield out;
  }
  if (batch.length > 0) yield batch;
  report(true);
}

/** Counts the candidates of the given sources (a cheap listing pass, for the ETA). */
export async function countCandidates(specs: SourceSpec[], walk?: WalkOptions): Promise<number> {
  let n = 0;
  for (const s of specs) for await (const _ of candidatesOf(s, walk)) n++;
  return n;
}

async function* chain(specs: SourceSpec[], walk?: WalkOptions): AsyncGenerator<Candidate> {
  for (const s of specs) yield* candidatesOf(s, walk);
}

/**
 * Scans every source of a dataset. With `countFirst` (default true) the sources are listed
 * once beforehand so progress has a total and an ETA.
 */
export async function* scanSources(specs: SourceSpec[], opts: ScanOptions & { countFirst?: boolean } = {}): AsyncGenerator<ImageRecord[]> {
  const total = opts.total ?? (opts.countFirst === false ? undefined : await countCandidates(specs));
  yield* scanCandidates(chain(specs, opts.walk), { ...opts, total });
}

/** Convenience: collects every record of a scan (for small datasets and tests). */
export async function collectScan(specs: SourceSpec[], opts: ScanOptions = {}): Promise<ImageRecord[]> {
  const all: ImageRecord[] = [];
  for await (const b of scanSources(specs, opts)) all.push(...b);
  return all;
}
