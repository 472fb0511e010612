/**
 * The lint rule of the process boundaries (eslint.config.mjs) on planted imports: each
 * forbidden one is reported with the layer it reached, static or dynamic, in .ts and .vue;
 * the allowed ones (shared from anywhere, engine from the CLI) are not.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { ESLint } from 'eslint';

const root = resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

/** Messages of linting `code` as if it were the file at `path` (relative to the root). */
async function lint(path: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: resolve(root, path) });
  return r.messages.map((m) => m.message);
}

describe('import boundaries', () => {
  it('refuses the engine importing main, statically or dynamically', async () => {
    const stat = await lint('src/engine/pipeline/planted.ts', "import { ProjectStore } from '../../main/store/project-store';\nexport const x = ProjectStore;\n");
    expect(stat).toHaveLength(1);
    expect(stat[0]).toMatch(/'\.\.\/\.\.\/main\/store\/project-store' .*this layer may not import src\/main/);
    expect(await lint('src/engine/pipeline/planted.ts', "export const m = await import('../../main/store/project-store');\n")).toEqual([
      'this layer may not import src/main (the boundaries are in eslint.config.mjs)',
    ]);
  });

  it('refuses main importing the engine, shared importing main, and anything importing the renderer', async () => {
    expect(await lint('src/main/services/planted.ts', "import { executeRun } from '../../engine/pipeline/execute';\nexport { executeRun };\n")).toHaveLength(1);
    expect(await lint('src/shared/planted.ts', "import type { NodeApp } from '../main/node-app';\nexport type A = NodeApp;\n")).toHaveLength(1);
    expect(await lint('src/cli/commands/planted.ts', "import x from '../../renderer/src/charts/eta';\nexport default x;\n")).toHaveLength(1);
    expect(await lint('src/renderer/src/views/Planted.vue', "<script setup lang=\"ts\">\nimport { createNodeApp } from '../../../main/node-app';\ncreateNodeApp;\n</script>\n<template><div /></template>\n")).toHaveLength(1);
  });

  it('allows shared from every layer and the engine from the CLI', async () => {
    expect(await lint('src/main/services/planted.ts', "import type { RunConfig } from '../../shared/schemas/run';\nexport type C = RunConfig;\n")).toEqual([]);
    expect(await lint('src/engine/pipeline/planted.ts', "import type { RunConfig } from '../../shared/schemas/run';\nexport type C = RunConfig;\n")).toEqual([]);
    expect(await lint('src/cli/commands/planted.ts', "import { createBackbone } from '../../engine/models/registry';\nexport { createBackbone };\n")).toEqual([]);
    expect(await lint('src/engine/models/planted.ts', "import { x } from '../main-thing';\nexport { x };\n")).toEqual([]);
  });
});
