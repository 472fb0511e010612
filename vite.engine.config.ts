/**
 * The engine process, built on its own (out/engine/worker.js) with the decoder processes it
 * starts (out/engine/decode-worker.js; the two share chunks in out/engine). It runs in an
 * Electron utilityProcess and shares no chunk with the main process.
 */
import { defineConfig } from 'vite';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import pkg from './package.json';

const external = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...Object.keys(pkg.dependencies),
  ...Object.keys(pkg.optionalDependencies),
].map((name) => new RegExp(`^${name.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&')}(/.*)?$`));

export default defineConfig({
  resolve: { alias: { '@shared': resolve(__dirname, 'src/shared') } },
  build: {
    ssr: true,
    outDir: 'out/engine',
    emptyOutDir: true,
    target: 'node20',
    rollupOptions: {
      input: { worker: resolve(__dirname, 'src/engine/worker.ts'), 'decode-worker': resolve(__dirname, 'src/engine/data/decode-worker.ts') },
      external,
      // chunks beside the entries: decoderEntry() looks for decode-worker.js next to its own module
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    },
  },
});
