/**
 * Lint: the import boundaries between the processes (DESIGN.md, "processes"). Nothing imports
 * the renderer; main reaches the engine only through the engine host and the job table in
 * src/shared; the engine never imports main or the CLI; src/shared imports none of them.
 * `npm run lint` (part of `npm test`) fails on a forbidden import, static or dynamic;
 * test/shared/import-boundaries.test.ts plants some to prove it.
 */
import tsParser from '@typescript-eslint/parser';
import vueParser from 'vue-eslint-parser';

/**
 * A `no-restricted-imports` rule forbidding relative imports that climb into the named src
 * folders (every layer sits directly under src/, so `../…/main/x` from src/engine is main).
 */
function forbid(...folders) {
  const message = (f) => `this layer may not import src/${f} (the boundaries are in eslint.config.mjs)`;
  return {
    'no-restricted-imports': ['error', { patterns: folders.map((f) => ({ regex: `^(\\.\\./)+${f}(/|$)`, message: message(f) })) }],
    // the same for `await import('…')`, which the rule above does not see
    'no-restricted-syntax': ['error', ...folders.map((f) => ({ selector: `ImportExpression[source.value=/^(\\.\\.\\/)+${f}(\\/|$)/]`, message: message(f) }))],
  };
}

export default [
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'resources/**', 'test-results/**'] },
  { files: ['**/*.ts', '**/*.mts'], languageOptions: { parser: tsParser, parserOptions: { sourceType: 'module' } } },
  { files: ['**/*.vue'], languageOptions: { parser: vueParser, parserOptions: { parser: tsParser, sourceType: 'module' } } },
  { files: ['src/engine/**/*.ts'], rules: forbid('main', 'renderer', 'cli', 'preload') },
  { files: ['src/main/**/*.ts'], rules: forbid('engine', 'renderer', 'cli', 'preload') },
  { files: ['src/shared/**/*.ts'], rules: forbid('engine', 'main', 'renderer', 'cli', 'preload') },
  { files: ['src/preload/**/*.ts'], rules: forbid('engine', 'main', 'renderer', 'cli') },
  { files: ['src/cli/**/*.ts'], rules: forbid('renderer', 'preload') },
  { files: ['src/renderer/**/*.{ts,vue}'], rules: forbid('engine', 'main', 'cli', 'preload') },
];
