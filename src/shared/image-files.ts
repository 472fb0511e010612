/**
 * Which files count as images, and which names are hidden: one list for the engine's scanner
 * and main's recipe checks (no Node or tfjs imports, so any process may use it).
 */

/** File extensions the scan looks at (lower case, with dot). BMP is listed so it can be reported as unsupported. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg', '.jpeg', '.jfif', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif', '.heic', '.heif', '.bmp',
]);

/** True for a name the walk treats as hidden (dot files, macOS resource forks). */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.') || name === 'Thumbs.db' || name === 'desktop.ini';
}

/** True when the path's last segment has an image extension the scan considers. */
export function hasImageExtension(path: string): boolean {
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 && IMAGE_EXTENSIONS.has(name.slice(dot).toLowerCase());
}
