/**
 * Streaming recursive folder walk: yields image files one at a time (never a full listing
 * in memory), skips hidden entries, follows symlinked folders at most once so a symlink
 * loop cannot recurse forever.
 */
import { opendir, stat, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export { IMAGE_EXTENSIONS, hasImageExtension, isHiddenName } from '../../shared/image-files';
import { hasImageExtension, isHiddenName } from '../../shared/image-files';

export interface WalkEntry {
  absPath: string;
  /** path relative to the walk root with forward slashes */
  relPath: string;
  byteSize: number;
  mtimeMs: number;
  /** set when the entry could not be stat'ed (broken link, permission) */
  error?: string;
  /** true for a folder that was skipped (its error says why) */
  folder?: boolean;
}

export interface WalkOptions {
  /** include every file, not only image extensions (default false) */
  allFiles?: boolean;
  /** called for folders that are skipped, with the reason (symlink loop, unreadable) */
  onSkip?: (relPath: string, reason: string) => void;
  /** yield skipped folders as entries with an error, so they reach the health report (default true) */
  reportSkippedFolders?: boolean;
}

/** Converts an OS-relative path to the forward-slash form stored in records. */
export function toPosix(rel: string): string {
  return sep === '/' ? rel : rel.split(sep).join('/');
}

function errorReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EACCES' || err.code === 'EPERM') return 'permission denied';
  if (err.code === 'ENOENT') return 'missing (broken symlink or deleted during the scan)';
  if (err.code === 'ELOOP') return 'symlink loop';
  return err.message ?? String(e);
}

/**
 * Walks `root` depth-first and yields files in sorted order per folder. Folders are
 * identified by their real path; a folder reached twice (symlink loop or two links to the
 * same place) is skipped the second time and reported through `onSkip`.
 */
export async function* walkImages(root: string, opts: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const visited = new Set<string>();
  let rootReal: string;
  try {
    rootReal = await realpath(root);
  } catch (e) {
    throw new Error(`cannot scan ${root}: ${errorReason(e)}`);
  }
  visited.add(rootReal);
  const stack: string[] = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let names: string[];
    try {
      // opendir streams entries; only the names of one folder are held at a time
      names = [];
      const handle = await opendir(dir);
      for await (const d of handle) if (!isHiddenName(d.name)) names.push(d.name);
    } catch (e) {
      const rel = toPosix(relative(root, dir)) || '.';
      opts.onSkip?.(rel, errorReason(e));
      if (dir === root) throw new Error(`cannot read folder ${root}: ${errorReason(e)}`);
      if (opts.reportSkippedFolders !== false) yield { absPath: dir, relPath: rel, byteSize: 0, mtimeMs: 0, error: `folder unreadable: ${errorReason(e)}`, folder: true };
      continue;
    }
    names.sort();
    const subdirs: string[] = [];
    for (const name of names) {
      const abs = join(dir, name);
      const rel = toPosix(relative(root, abs));
      let st;
      try {
        st = await stat(abs);
      } catch (e) {
        if (opts.allFiles || hasImageExtension(name)) {
          yield { absPath: abs, relPath: rel, byteSize: 0, mtimeMs: 0, error: errorReason(e) };
        } else opts.onSkip?.(rel, errorReason(e));
        continue;
      }
      if (st.isDirectory()) {
        let real: string;
        try {
          real = await realpath(abs);
        } catch (e) {
          opts.onSkip?.(rel, errorReason(e));
          continue;
        }
        if (visited.has(real)) {
          const reason = 'symlink loop: folder already visited, not followed';
          opts.onSkip?.(rel, reason);
          if (opts.reportSkippedFolders !== false) yield { absPath: abs, relPath: rel, byteSize: 0, mtimeMs: 0, error: reason, folder: true };
          continue;
        }
        visited.add(real);
        subdirs.push(abs);
      } else if (st.isFile() && (opts.allFiles || hasImageExtension(name))) {
        yield { absPath: abs, relPath: rel, byteSize: st.size, mtimeMs: Math.floor(st.mtimeMs) };
      }
    }
    // push in reverse so folders are visited in sorted order
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  }
}
