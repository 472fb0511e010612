/** Finds the built renderer, building it with Vite on first use of `attune serve`. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The folder `attune serve` serves. */
export const rendererOutDir = join(root, 'out', 'renderer');

/** Builds the renderer when its output is missing (or `force`); returns the output folder. */
export async function ensureRendererBuilt(log: (s: string) => void, force = false): Promise<string> {
  if (!force && existsSync(join(rendererOutDir, 'index.html'))) return rendererOutDir;
  log('Building the interface (first run only, about half a minute)…');
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.renderer.config.ts'), logLevel: 'warn' });
  return rendererOutDir;
}
