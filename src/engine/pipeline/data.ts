/**
 * The prepare stage: decode every set of the run once into the project's cache (reused by
 * later runs and on resume), then split the labeled set (stratified, seeded) and apply the
 * label budget. The images left without a label still feed the self-supervised stages.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedSource, RunConfig } from '../../shared/schemas/run';
import { idxClassNames } from '../../shared/schemas/run';
import { buildCache, cacheDir, isCacheCurrent, type CacheItem } from '../data/cache';
import { DecodeCache } from '../data/cache-reader';
import { loadIdxDataset, idxImage } from '../data/idx';
import { csvFile, labeledFolder, plainFolder } from '../data/sources';
import { applyLabelBudget, stratifiedSplit, type LabelBudget } from '../data/splits';

/** Everything later stages read. Caches stay open until `closePrepared`. */
export interface PreparedData {
  classNames: string[];
  labeled: DecodeCache;
  unlabeled: DecodeCache | null;
  /** the source set (the selected candidate once HPT source selection has run) */
  source: DecodeCache | null;
  /** every candidate source when the recipe lists several (source selection), else empty */
  sourceCandidates: DecodeCache[];
  /** the source's classes when a stage trains on its labels (finetune with pool: source), else null */
  sourceClassNames: string[] | null;
  /** the test images: a separate cache, or the labeled cache */
  testCache: DecodeCache;
  /** indices into `labeled` */
  train: number[];
  val: number[];
  /** indices into `testCache` */
  test: number[];
  /** per-channel mean and std of the labeled set, [0, 1] units */
  mean: [number, number, number];
  std: [number, number, number];
  negativeClass: number | undefined;
}

function sourceKey(src: ResolvedSource | ResolvedSource[], size: number, labeledSource: boolean): string {
  // a source read with its labels is a different cache from the same folder read without them
  return createHash('sha256').update(JSON.stringify(labeledSource ? { src, size, labels: true } : { src, size })).digest('hex').slice(0, 16);
}

async function* idxItems(src: Extract<ResolvedSource, { kind: 'idx' }>): AsyncGenerator<CacheItem> {
  const ds = await loadIdxDataset(src.idx.images, src.idx.labels);
  if (ds.channels !== 1 && ds.channels !== 3) throw new Error(`${src.idx.images}: ${ds.channels} channels; IDX images must have 1 or 3`);
  let n = 0;
  for (let i = 0; i < ds.count; i++) {
    const raw = ds.labels![i];
    const label = src.idx.classes ? src.idx.classes.indexOf(raw) : raw;
    if (label < 0) continue;
    yield { key: `${ds.name}#${i}`, label, source: { kind: 'pixels', data: idxImage(ds, i), width: ds.width, height: ds.height, channels: ds.channels as 1 | 3 } };
    if (src.idx.limit && ++n >= src.idx.limit) break;
  }
}

async function* fileItems(src: Extract<ResolvedSource, { kind: 'folder' | 'csv' }>, labeled: boolean, classNames: string[] | null): AsyncGenerator<CacheItem> {
  const cands = !labeled ? plainFolder(src.path, 'unlabeled') : src.kind === 'csv' ? csvFile(src.path) : labeledFolder(src.path);
  for await (const c of cands) {
    if (c.error) continue;
    let label = -1;
    if (labeled && c.label !== null) {
      label = classNames ? classNames.indexOf(c.label) : 0;
      if (classNames && label < 0) throw new Error(`${c.absPath}: class "${c.label}" is not one of the labeled classes (${classNames.join(', ')})`);
    }
    yield { key: c.relPath, label, source: { kind: 'file', absPath: c.absPath } };
  }
}

/** Class names of a labeled folder / CSV (sorted) or of an IDX pair; `what` names the set in the error. */
async function classesOf(src: ResolvedSource, what: string): Promise<string[]> {
  if (src.kind === 'idx') return idxClassNames(src.idx);
  const names = new Set<string>();
  for await (const c of src.kind === 'csv' ? csvFile(src.path) : labeledFolder(src.path)) if (!c.error && c.label) names.add(c.label);
  if (names.size < 2) throw new Error(`${what} (${src.path}): needs at least two classes (one subfolder per class), found ${names.size}`);
  return [...names].sort();
}

/** One image set of a run: where it comes from (one source, or several read as one set) and whether its items carry labels. */
interface ImageSet {
  src: ResolvedSource | ResolvedSource[];
  labeled: boolean;
  classNames: string[] | null;
  /** the source set read with its labels (supervised pretraining) */
  labeledSource?: boolean;
}

/** Reports the prepare stage's decoding: images done of all the images the run has to decode. */
export type PrepareProgress = (done: number, total: number) => void;

/** What opening the caches of one run shares. */
interface CacheContext {
  cacheRoot: string;
  size: number;
  onLog: (m: string) => void;
  /** images decoded so far in this run (one item read from a set = one image) */
  done: number;
  /** images the run has to decode, counted before decoding starts */
  total: number;
  onProgress?: PrepareProgress;
}

function setDir(set: ImageSet, ctx: CacheContext): string {
  return cacheDir(ctx.cacheRoot, sourceKey(set.src, ctx.size, !!set.labeledSource), ctx.size);
}

function itemsOfSource(src: ResolvedSource, set: ImageSet): AsyncGenerator<CacheItem> {
  return src.kind === 'idx' ? idxItems(src) : fileItems(src, set.labeled, set.classNames);
}

/** The items of a set; several sources follow one another, their keys prefixed with the source's position so they never collide. */
async function* itemsOf(set: ImageSet): AsyncGenerator<CacheItem> {
  if (!Array.isArray(set.src)) return yield* itemsOfSource(set.src, set);
  for (const [i, src] of set.src.entries()) for await (const item of itemsOfSource(src, set)) yield { ...item, key: `${i}:${item.key}` };
}

/** How a set is named in logs and errors. */
function describe(src: ResolvedSource | ResolvedSource[]): string {
  return (Array.isArray(src) ? src : [src]).map((s) => (s.kind === 'idx' ? s.idx.images : s.path)).join(' + ');
}

/** How many images the sets without a cache yet hold (read from their folders, nothing decoded). */
async function imagesToDecode(sets: ImageSet[], ctx: CacheContext): Promise<number> {
  let n = 0;
  for (const set of sets) {
    if (await isCacheCurrent(itemsOf(set), { dir: setDir(set, ctx), resolution: ctx.size, classNames: set.classNames ?? [] })) continue;
    for await (const _ of itemsOf(set)) n++;
  }
  return n;
}

/** Opens the cache of a set, building it first when missing or when its folder changed. */
async function cacheOf(set: ImageSet, ctx: CacheContext): Promise<DecodeCache> {
  const dir = setDir(set, ctx);
  // rebuilt when the folder changed (files added, removed or modified): unchanged frames are copied, not decoded
  if (!(await isCacheCurrent(itemsOf(set), { dir, resolution: ctx.size, classNames: set.classNames ?? [] }))) {
    const what = describe(set.src);
    ctx.onLog(`decoding ${what} at ${ctx.size}px into the cache`);
    const before = ctx.done;
    const onProgress = ctx.onProgress && ((n: number) => ctx.onProgress!(before + n, Math.max(ctx.total, before + n)));
    const index = await buildCache(itemsOf(set), { dir, resolution: ctx.size, classNames: set.classNames ?? [], onProgress });
    ctx.done = before + index.count + index.failures.length;
    if (index.count === 0) throw new Error(`${what}: no readable images${index.failures[0] ? ` (first problem: ${index.failures[0].key}: ${index.failures[0].reason})` : ''}`);
    if (index.failures.length) ctx.onLog(`${index.failures.length} image(s) of ${what} could not be decoded and are left out`);
  }
  return DecodeCache.open(dir);
}

function budgetOf(b: RunConfig['data']['labelBudget']): LabelBudget {
  if (b === 'all') return { kind: 'all' };
  if ('perClass' in b) return { kind: 'per-class', n: b.perClass };
  return { kind: 'percent', percent: b.percent };
}

/**
 * Runs the prepare stage; writes `split.json` into `runDir`. With `onProgress`, the images
 * still to decode are counted first and reported as they are decoded.
 */
export async function prepareData(config: RunConfig, cacheRoot: string, runDir: string, onLog: (m: string) => void, onProgress?: PrepareProgress): Promise<PreparedData> {
  const d = config.data;
  mkdirSync(cacheRoot, { recursive: true });
  const classNames = await classesOf(d.labeled, 'data.labeled');
  const unlabeledSet = (src: ResolvedSource | ResolvedSource[]): ImageSet => ({ src: Array.isArray(src) && src.length === 1 ? src[0] : src, labeled: false, classNames: null });
  const supervisedSource = config.stages.some((s) => s.kind === 'finetune' && s.pool === 'source');
  const sourceClassNames = supervisedSource && d.source ? await classesOf(d.source, 'data.source') : null;
  const sets = {
    labeled: { src: d.labeled, labeled: true, classNames },
    unlabeled: d.unlabeled ? unlabeledSet(d.unlabeled) : null,
    candidates: (d.sourceCandidates ?? []).map(unlabeledSet),
    source: d.source && !d.sourceCandidates?.length ? (sourceClassNames ? { src: d.source, labeled: true, classNames: sourceClassNames, labeledSource: true } : unlabeledSet(d.source)) : null,
    test: d.test ? { src: d.test, labeled: true, classNames } : null,
  };
  const ctx: CacheContext = { cacheRoot, size: d.size, onLog, done: 0, total: 0, onProgress };
  const all = [sets.labeled, sets.unlabeled, ...sets.candidates, sets.source, sets.test].filter((x): x is ImageSet => x !== null);
  if (onProgress) ctx.total = await imagesToDecode(all, ctx);
  if (ctx.total > 0) onProgress?.(0, ctx.total);
  const labeled = await cacheOf(sets.labeled, ctx);
  const unlabeled = sets.unlabeled ? await cacheOf(sets.unlabeled, ctx) : null;
  const sourceCandidates: DecodeCache[] = [];
  for (const c of sets.candidates) sourceCandidates.push(await cacheOf(c, ctx));
  const chosen = readSelection(runDir);
  const source = sourceCandidates.length ? sourceCandidates[chosen ?? 0] : sets.source ? await cacheOf(sets.source, ctx) : null;
  const testCache = sets.test ? await cacheOf(sets.test, ctx) : labeled;
  const items = labeled.index.keys.map((key, i) => ({ id: key, label: classNames[labeled.index.labels[i]] ?? '?', i }));
  const parts = stratifiedSplit(items, { val: d.split.val, test: d.test ? 0 : d.split.test, seed: d.seed });
  const byPart = (p: string) => items.filter((it) => parts.get(it.id) === p);
  const trainItems = byPart('train');
  const kept = applyLabelBudget(trainItems, budgetOf(d.labelBudget), d.seed);
  const train = trainItems.filter((it) => kept.has(it.id)).map((it) => it.i);
  const val = byPart('val').map((it) => it.i);
  const test = d.test ? testCache.index.keys.map((_, i) => i) : byPart('test').map((it) => it.i);
  if (train.length === 0) throw new Error('the split left no labeled training images; lower data.split.val / data.split.test');
  if (test.length === 0) throw new Error('the split left no test images; raise data.split.test or give data.test');
  const negativeClass = d.negativeClass ? classNames.indexOf(d.negativeClass) : undefined;
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'split.json'), JSON.stringify({
    classNames,
    train: train.map((i) => labeled.index.keys[i]),
    val: val.map((i) => labeled.index.keys[i]),
    test: test.map((i) => testCache.index.keys[i]),
    unlabeledFromBudget: trainItems.length - train.length,
  }));
  return { classNames, labeled, unlabeled, source, sourceCandidates, sourceClassNames, testCache, train, val, test, mean: labeled.index.mean, std: labeled.index.std, negativeClass: negativeClass !== undefined && negativeClass >= 0 ? negativeClass : undefined };
}

/** Closes every cache of a prepared run. */
export function closePrepared(p: PreparedData): void {
  for (const c of new Set([p.labeled, p.unlabeled, p.source, p.testCache, ...p.sourceCandidates])) c?.close();
}

/** The file recording which source candidate HPT source selection kept. */
export const SELECTION_FILE = 'source-selection.json';

/** The index of the selected source candidate, when selection has run. */
export function readSelection(runDir: string): number | null {
  const file = join(runDir, SELECTION_FILE);
  if (!existsSync(file)) return null;
  const chosen = (JSON.parse(readFileSync(file, 'utf8')) as { chosen?: unknown }).chosen;
  return typeof chosen === 'number' && Number.isInteger(chosen) ? chosen : null;
}
