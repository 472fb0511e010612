/**
 * Artifact paths inside a project folder. The store keeps every checkpoint and artifact path
 * relative to the project folder (with `/` separators), so a project can be copied or moved
 * as a whole, and it refuses to record, write or delete anything outside the folder: a copy
 * must never reach into its original.
 */
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AppError } from '../../shared/errors';

/** True when `path` is the project folder itself or lies inside it (compared lexically, after resolving). */
export function isInsideProject(folder: string, path: string): boolean {
  const rel = relative(resolve(folder), resolve(folder, path));
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The guard of every write and deletion the store makes or asks for: returns the absolute
 * path, or throws naming the path, the project and what was refused.
 */
export function assertInsideProject(folder: string, path: string, action: string): string {
  const abs = resolve(folder, path);
  if (!isInsideProject(folder, abs)) {
    throw new AppError(
      'validation',
      `refused to ${action} ${abs}: it lies outside the project folder ${resolve(folder)}. Attune only writes and deletes files inside the project it has open.`,
    );
  }
  return abs;
}

/** The stored form of a file inside the project: relative, `/`-separated. Throws for a file outside. */
export function toStoredPath(folder: string, path: string, what: string): string {
  const abs = assertInsideProject(folder, path, `record ${what}`);
  return relative(resolve(folder), abs).split(sep).join('/');
}

/** The absolute path of a stored path (older rows may hold an absolute path outside the project). */
export function fromStoredPath(folder: string, stored: string): string {
  return isAbsolute(stored) ? stored : join(resolve(folder), ...stored.split('/'));
}
