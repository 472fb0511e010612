import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';
import { resolve } from 'node:path';

/**
 * Two projects: node code (shared, main, engine, cli) in forked processes because of the
 * native addons, and renderer components in happy-dom. End-to-end browser tests live in
 * test/e2e and run in the node project.
 */
export default defineConfig({
  resolve: { alias: { '@shared': resolve(__dirname, 'src/shared') } },
  test: {
    // The JSON report lets .ci/run print a plain 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/{shared,main,engine,cli,e2e,bench}/**/*.test.ts'],
          pool: 'forks',
          // generous: CI is a loaded 2-core machine (a kill/resume test took 135 s beside a CPU
          // hog); a test that needs longer says so itself
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        plugins: [vue()],
        test: {
          name: 'renderer',
          environment: 'happy-dom',
          include: ['test/renderer/**/*.test.ts'],
          // the 5 s default is tight for mounting charts while the node tests load both cores
          testTimeout: 60_000,
        },
      },
    ],
  },
});
