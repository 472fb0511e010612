/**
 * Checks a recipe's data before anything runs: every path exists, and how many images each
 * set holds (IDX headers and labels, class folders, CSV rows), so impossible batch sizes are
 * refused with the key at fault.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { hasImageExtension, isHiddenName } from '../../../shared/image-files';
import type { ResolvedSource } from '../../../shared/schemas/run';
import type { RecipeIssue } from './issues';

/** Reads an IDX labels file (gzip or plain) into its label bytes. */
export function readIdxLabels(path: string): Uint8Array {
  let buf: Uint8Array = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  if (buf.length < 8 || buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 8 || buf[3] !== 1) throw new Error(`${path}: not an IDX labels file (expected unsigned-byte data with one dimension)`);
  const n = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(4, false);
  if (buf.length < 8 + n) throw new Error(`${path}: truncated (header says ${n} labels)`);
  return buf.subarray(8, 8 + n);
}

/** Labels of an IDX source after its class filter and limit, as new class indices. */
export function idxLabelsOf(src: Extract<ResolvedSource, { kind: 'idx' }>): number[] {
  const raw = readIdxLabels(src.idx.labels);
  const classes = src.idx.classes;
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = classes ? classes.indexOf(raw[i]) : raw[i];
    if (c < 0) continue;
    out.push(c);
    if (src.idx.limit && out.length >= src.idx.limit) break;
  }
  return out;
}

function countImages(dir: string, depth = 0): number {
  if (depth > 32) return 0;
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (isHiddenName(e.name)) continue;
    if (e.isDirectory()) n += countImages(join(dir, e.name), depth + 1);
    else if (hasImageExtension(e.name)) n++;
  }
  return n;
}

/** What the check found for one set: its image count (null when unknown) and problems. */
export interface SourceCheck {
  count: number | null;
  issues: RecipeIssue[];
}

/** Checks one source: existence, then a count of its images. `key` is the recipe key for messages. */
export function checkSource(src: ResolvedSource, key: string): SourceCheck {
  const issues: RecipeIssue[] = [];
  if (src.kind === 'idx') {
    for (const [k, p] of [['images', src.idx.images], ['labels', src.idx.labels]] as const) {
      if (!existsSync(p)) issues.push({ path: `${key}.idx.${k}`, message: `${p} does not exist` });
    }
    if (issues.length) return { count: null, issues };
    try {
      const labels = idxLabelsOf(src);
      const raw = readIdxLabels(src.idx.labels);
      const max = raw.reduce((m, v) => Math.max(m, v), 0);
      for (const [i, c] of (src.idx.classes ?? []).entries()) {
        if (c > max) issues.push({ path: `${key}.idx.classes[${i}]`, message: `label ${c} does not occur in ${src.idx.labels} (labels go up to ${max})` });
      }
      return { count: labels.length, issues };
    } catch (e) {
      return { count: null, issues: [{ path: `${key}.idx.labels`, message: (e as Error).message }] };
    }
  }
  if (!existsSync(src.path)) return { count: null, issues: [{ path: key, message: `${src.path} does not exist` }] };
  const st = statSync(src.path);
  if (src.kind === 'csv') {
    if (!st.isFile()) return { count: null, issues: [{ path: key, message: `${src.path} is not a file` }] };
    const rows = readFileSync(src.path, 'utf8').split(/\r?\n/).filter((l) => l.trim() && !l.trimStart().startsWith('#') && !/^path\s*,/i.test(l));
    return { count: rows.length, issues };
  }
  if (!st.isDirectory()) return { count: null, issues: [{ path: key, message: `${src.path} is not a folder` }] };
  const n = countImages(src.path);
  if (n === 0) issues.push({ path: key, message: `${src.path} holds no images` });
  return { count: n, issues };
}
