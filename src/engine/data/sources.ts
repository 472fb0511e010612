/**
 * Importers: each turns one kind of input (labeled folder, CSV, unlabeled folder,
 * source/replay folder) into a stream of candidate files with role, label and split.
 * Problems found while importing (a CSV row naming a missing file, a malformed row)
 * become candidates carrying an error, so they reach the health report with the rest.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { dirname, isAbsolute, resolve, relative, basename } from 'node:path';
import type { ImageRole, SplitName } from '../../shared/schemas/dataset';
import { walkImages, toPosix, type WalkOptions } from './walk';
import type { SourceSpec } from '../../shared/engine-jobs';

export type { SourceSpec };

/** One file to scan, as an importer describes it. */
export interface Candidate {
  absPath: string;
  relPath: string;
  role: ImageRole;
  label: string | null;
  split: SplitName | null;
  byteSize: number;
  mtimeMs: number;
  /** an import problem: the file is not probed and the record carries this reason */
  error?: string;
}

function withPrefix(prefix: string | undefined, rel: string): string {
  return prefix ? `${prefix.replace(/\/+$/, '')}/${rel}` : rel;
}

/** Labeled folder: the first-level subfolder names the class; deeper folders are walked too. */
export async function* labeledFolder(root: string, role: 'labeled' | 'test' = 'labeled', prefix?: string, walk?: WalkOptions): AsyncGenerator<Candidate> {
  for await (const e of walkImages(root, walk)) {
    const parts = e.relPath.split('/');
    const label = parts.length > 1 ? parts[0] : null;
    yield {
      absPath: e.absPath, relPath: withPrefix(prefix, e.relPath), role, label, split: null,
      byteSize: e.byteSize, mtimeMs: e.mtimeMs,
      error: e.error ?? (label === null ? 'not inside a class subfolder, so it has no label' : undefined),
    };
  }
}

/** Unlabeled (or source/replay) folder, recursive; every image gets the given role and no label. */
export async function* plainFolder(root: string, role: 'unlabeled' | 'source', prefix?: string, walk?: WalkOptions): AsyncGenerator<Candidate> {
  for await (const e of walkImages(root, walk)) {
    yield { absPath: e.absPath, relPath: withPrefix(prefix, e.relPath), role, label: null, split: null, byteSize: e.byteSize, mtimeMs: e.mtimeMs, error: e.error };
  }
}

/** Splits one CSV line into fields, honouring double quotes ("" inside quotes is a quote). */
export function parseCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let cur = '';
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inQuotes) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') inQuotes = false;
      else cur += c;
    } else if (c === '"' && cur.length === 0) inQuotes = true;
    else if (c === ',') { fields.push(cur.trim()); cur = ''; }
    else cur += c;
  }
  if (inQuotes) return null;
  fields.push(cur.trim());
  return fields;
}

const SPLITS = new Set(['train', 'val', 'test']);

/**
 * CSV with `path,label[,split]` rows, paths relative to the CSV's folder; an optional
 * header row starting with `path` is skipped. Streams the file line by line.
 */
export async function* csvFile(csvPath: string, role: 'labeled' | 'test' = 'labeled', prefix?: string): AsyncGenerator<Candidate> {
  const base = dirname(resolve(csvPath));
  const name = basename(csvPath);
  const lines = createInterface({ input: createReadStream(csvPath, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  const problem = (reason: string): Candidate => ({
    absPath: csvPath, relPath: withPrefix(prefix, `${name}:${lineNo}`), role, label: null, split: null, byteSize: 0, mtimeMs: 0,
    error: `${name} line ${lineNo}: ${reason}`,
  });
  for await (const raw of lines) {
    lineNo++;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const f = parseCsvLine(line);
    if (!f) { yield problem('unbalanced quotes'); continue; }
    if (lineNo === 1 && f[0].toLowerCase() === 'path') continue;
    if (f.length < 2 || f.length > 3) { yield problem(`expected "path,label[,split]", got ${f.length} field${f.length === 1 ? '' : 's'}`); continue; }
    const [p, label, split] = f;
    if (!p) { yield problem('empty path'); continue; }
    if (!label) { yield problem('empty label'); continue; }
    if (split !== undefined && split !== '' && !SPLITS.has(split)) { yield problem(`split must be train, val or test, got "${split}"`); continue; }
    const abs = isAbsolute(p) ? p : resolve(base, p);
    const rel = toPosix(isAbsolute(p) ? relative(base, p) : p).replace(/^\.\//, '');
    const cand: Candidate = {
      absPath: abs, relPath: withPrefix(prefix, rel), role, label, split: (split || null) as SplitName | null, byteSize: 0, mtimeMs: 0,
    };
    try {
      const st = await stat(abs);
      if (!st.isFile()) cand.error = `${name} line ${lineNo}: "${p}" is not a file`;
      cand.byteSize = st.size;
      cand.mtimeMs = Math.floor(st.mtimeMs);
    } catch {
      cand.error = `${name} line ${lineNo}: file "${p}" does not exist`;
    }
    yield cand;
  }
}

/** Expands a stored source description into candidates. */
export function candidatesOf(spec: SourceSpec, walk?: WalkOptions): AsyncGenerator<Candidate> {
  switch (spec.kind) {
    case 'labeled-folder': return labeledFolder(spec.path, spec.role ?? 'labeled', spec.prefix, walk);
    case 'csv': return csvFile(spec.path, spec.role ?? 'labeled', spec.prefix);
    case 'unlabeled-folder': return plainFolder(spec.path, 'unlabeled', spec.prefix, walk);
    case 'source-folder': return plainFolder(spec.path, 'source', spec.prefix, walk);
  }
}
