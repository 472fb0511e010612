/**
 * The engine process, built as its own self-contained entry (out/engine/worker.js). It runs
 * in an Electron utilityProcess and shares no chunk with the main process.
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
    ssr: resolve(__dirname, 'src/engine/worker.ts'),
    outDir: 'out/engine',
    emptyOutDir: true,
    target: 'node20',
    rollupOptions: { external, output: { format: 'es', entryFileNames: 'worker.js', inlineDynamicImports: true } },
  },
});
