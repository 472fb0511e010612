/**
 * Lets plain Node (the CLI and engine run TypeScript through tsx, not a bundler) load
 * `@tensorflow/tfjs-core/dist/register_all_gradients`. Those ESM files import siblings without
 * extensions (`./gradients`), and where a file and a folder share a name Node refuses with
 * ERR_UNSUPPORTED_DIR_IMPORT. A resolve hook retries such imports under @tensorflow/ with `.js`.
 * Vitest resolves them on its own; the hook is harmless there. Import models after calling this.
 */
import { register } from 'node:module';

const HOOK = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    const fromTfjs = context.parentURL && context.parentURL.includes('/@tensorflow/');
    const relative = specifier.startsWith('./') || specifier.startsWith('../');
    if (fromTfjs && relative && !specifier.endsWith('.js') &&
        (err.code === 'ERR_UNSUPPORTED_DIR_IMPORT' || err.code === 'ERR_MODULE_NOT_FOUND')) {
      return next(specifier + '.js', context);
    }
    throw err;
  }
}`;

let registered = false;

/** Installs the resolve hook once per process (no-op where module.register is missing). */
export function installTfjsEsmFix(): void {
  if (registered || typeof register !== 'function') return;
  registered = true;
  register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
}
