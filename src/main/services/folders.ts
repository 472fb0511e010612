/**
 * The folder browser behind the wizard's folder pickers in `attune serve`: the sub-folders of a
 * folder on the machine that holds the images (the browser cannot see its disk), or, for a
 * partly typed path, the folders it could complete to. Nothing is read but folder listings.
 */
import { opendirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import type { FolderListing } from '../../shared/contract/datasets';

const LIMIT = 200;
/** Entries read from one folder at most (a folder of a million images is not listed in full). */
const READ_LIMIT = 20_000;
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jfif', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif', '.heic', '.heif', '.bmp']);

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Sub-folders (hidden ones skipped) whose names start with `prefix`, and the image files, of one folder. */
function read(folder: string, prefix: string): { folders: string[]; images: number; truncated: boolean } {
  const folders: string[] = [];
  let images = 0;
  let seen = 0;
  let dir;
  try {
    dir = opendirSync(folder);
  } catch {
    return { folders, images, truncated: false };
  }
  try {
    for (let e = dir.readSync(); e && seen < READ_LIMIT; e = dir.readSync(), seen++) {
      if (e.name.startsWith('.')) continue;
      const folderLike = e.isDirectory() || (e.isSymbolicLink() && isDir(join(folder, e.name)));
      if (folderLike && e.name.toLowerCase().startsWith(prefix.toLowerCase())) folders.push(e.name);
      else if (e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase())) images++;
    }
  } finally {
    dir.closeSync();
  }
  folders.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return { folders: folders.slice(0, LIMIT), images, truncated: folders.length > LIMIT };
}

/**
 * Lists a folder for the picker. An empty path lists the home folder; a relative one is taken
 * from the home folder; a path that is not a folder lists the folder it lies in, keeping the
 * sub-folders that start with its last part (autocomplete).
 */
export function browseFolders(path: string): FolderListing {
  const typed = path.trim();
  const abs = typed === '' ? homedir() : isAbsolute(typed) ? resolve(typed) : resolve(homedir(), typed);
  const complete = !isDir(abs);
  const folder = complete ? dirname(abs) : abs;
  const prefix = complete ? basename(abs) : '';
  const got = isDir(folder) ? read(folder, prefix) : { folders: [], images: 0, truncated: false };
  const parent = dirname(folder) === folder ? null : dirname(folder);
  return { path: folder, parent, folders: got.folders.map((name) => ({ name, path: join(folder, name) })), images: got.images, truncated: got.truncated };
}
