/**
 * The recipe check counts a folder's images with the scanner's own rules (src/shared/image-files):
 * every extension the scan reads, HEIC, HEIF and JFIF included, and none of the hidden names.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSource } from '../../src/main/services/runs/data-check';
import { IMAGE_EXTENSIONS, hasImageExtension } from '../../src/shared/image-files';

describe('recipe data check', () => {
  it('counts what the scanner counts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-data-check-'));
    mkdirSync(join(dir, 'cat'));
    for (const ext of IMAGE_EXTENSIONS) writeFileSync(join(dir, 'cat', `a${ext.toUpperCase()}`), 'x');
    for (const name of ['.hidden.png', 'Thumbs.db', 'notes.txt', 'png']) writeFileSync(join(dir, 'cat', name), 'x');
    const r = checkSource({ kind: 'folder', path: dir }, 'data.labeled');
    expect(r).toEqual({ count: IMAGE_EXTENSIONS.size, issues: [] });
    expect(['x.heic', 'x.HEIF', 'dir.v2/x.jfif', 'C:\\a\\b.JPG'].map(hasImageExtension)).toEqual([true, true, true, true]);
    expect(['x.txt', 'png', 'a.png/readme', '.png'].map(hasImageExtension)).toEqual([false, false, false, false]);
  });
});
