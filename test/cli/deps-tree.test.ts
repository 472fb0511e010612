/**
 * scripts/deps-tree.mjs (`npm run deps:list`): the production dependency tree with versions,
 * read from package-lock.json, for auditing where `npm audit` is not answered; and the lockfile
 * itself holds no tar with the advisory of issue 16 (fixed in 7.5.3).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(__dirname, '..', '..');
const script = join(repo, 'scripts', 'deps-tree.mjs');
const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8'));
/** a >= b for plain x.y.z versions (enough for these checks; no semver dependency). */
const gte = (a: string, b: string) => {
  const [x, y] = [a, b].map((v) => v.split('-')[0].split('.').map(Number));
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i];
  return true;
};
const deps = (...args: string[]) => execFileSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('npm run deps:list', () => {
  it('prints the production tree with the versions the lockfile pins, and no dev dependencies', () => {
    const tree = deps();
    expect(tree.split('\n')[0]).toBe('attune@0.1.0 production dependencies (from package-lock.json)');
    for (const name of ['better-sqlite3', 'sharp', 'zod', 'ws']) {
      expect(tree).toContain(`── ${name}@${lock.packages[`node_modules/${name}`].version}`);
    }
    expect(tree).toMatch(/── @tensorflow\/tfjs-node@4\.22\.0 \(optional\)/);
    expect(tree).toMatch(/\d+ distinct name@version/);
    for (const dev of ['vitest', 'electron', 'typescript', 'vite']) expect(tree).not.toMatch(new RegExp(`── ${dev}@`));
  });

  it('--flat lists each name@version once, sorted; tfjs-node brings tar 7 through the override', () => {
    const lines = deps('--flat').trim().split('\n');
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines).toContain(`better-sqlite3@${lock.packages['node_modules/better-sqlite3'].version}`);
    const tars = lines.filter((l) => l.startsWith('tar@'));
    expect(tars.length).toBeGreaterThan(0);
    for (const t of tars) expect(gte(t.split(/[@ ]/)[1], '7.5.3')).toBe(true);
    const names = lines.map((l) => l.split(' ')[0].replace(/@[^@]*$/, ''));
    for (let i = 1; i < names.length; i++) expect(names[i - 1].localeCompare(names[i]), `${names[i - 1]} before ${names[i]}`).toBeLessThanOrEqual(0);
  });

  it('--json gives every package with its lockfile paths', () => {
    const out = JSON.parse(deps('--json'));
    expect(out.root).toBe('attune@0.1.0');
    const sqlite = out.packages.find((p: { name: string }) => p.name === 'better-sqlite3');
    expect(sqlite).toMatchObject({ optional: false, paths: ['node_modules/better-sqlite3'] });
  });

  it('resolves nested copies the way npm does, and marks a repeat instead of walking it twice', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-deps-'));
    const file = join(dir, 'package-lock.json');
    writeFileSync(file, JSON.stringify({
      name: 'demo', version: '1.0.0', lockfileVersion: 3,
      packages: {
        '': { name: 'demo', version: '1.0.0', dependencies: { a: '^1', b: '^1' }, devDependencies: { d: '^1' } },
        'node_modules/a': { version: '1.0.0', dependencies: { c: '^2' } },
        'node_modules/a/node_modules/c': { version: '2.0.0' },
        'node_modules/b': { version: '1.1.0', dependencies: { a: '^1', c: '^1' } },
        'node_modules/c': { version: '1.0.0' },
        'node_modules/d': { version: '1.0.0', dev: true },
      },
    }));
    const tree = deps('--lock', file);
    expect(tree).toContain('├── a@1.0.0\n│   └── c@2.0.0\n└── b@1.1.0\n    ├── a@1.0.0 (see above)\n    └── c@1.0.0');
    expect(tree).not.toContain('d@');
    expect(deps('--lock', file, '--flat').trim().split('\n')).toEqual(['a@1.0.0', 'b@1.1.0', 'c@1.0.0', 'c@2.0.0']);
  });

  it('says which file it could not read', () => {
    let err = '';
    try {
      deps('--lock', join(tmpdir(), 'no-such-dir-attune', 'package-lock.json'));
    } catch (e) {
      err = String((e as { stderr: string }).stderr);
    }
    expect(err).toMatch(/cannot read .*no-such-dir-attune.*ENOENT/);
  });
});

describe('the lockfile against the advisory of issue 16', () => {
  it('pins every tar at 7.5.3 or newer (tar@6.2.1 came with the optional tfjs-node)', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    expect(gte(pkg.overrides.tar, '7.5.3')).toBe(true);
    const tars = Object.entries(lock.packages as Record<string, { version: string }>).filter(([k]) => k === 'node_modules/tar' || k.endsWith('/node_modules/tar'));
    expect(tars.length).toBeGreaterThan(0);
    for (const [path, p] of tars) expect(gte(p.version, '7.5.3'), `${path}@${p.version}`).toBe(true);
  });
});
