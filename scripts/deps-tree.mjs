#!/usr/bin/env node
// `npm run deps:list`: the production dependency tree (dependencies, optionalDependencies and
// required peers, no devDependencies) with exact versions, read from package-lock.json alone,
// so a maintainer on a machine whose registry has no `npm audit` can check it against advisories.
//   node scripts/deps-tree.mjs [--flat] [--json] [--lock path/to/package-lock.json]
// --flat: one `name@version` per line, sorted and unique; --json: {root, packages: [{name, version, paths, optional, os, cpu}]}.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The location whose node_modules is searched next (npm's resolution: up the tree). */
function parentLocation(loc) {
  const i = loc.lastIndexOf('/node_modules/');
  return i >= 0 ? loc.slice(0, i) : '';
}

/** Where the lockfile's package at `from` finds `name`, or undefined when it is not installed. */
export function resolveIn(packages, from, name) {
  for (let loc = from; ; loc = parentLocation(loc)) {
    const candidate = `${loc ? `${loc}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!loc) return undefined;
  }
}

/** The names a package needs at run time: dependencies, optional ones and non-optional peers. */
function runtimeDeps(pkg) {
  const peersOptional = pkg.peerDependenciesMeta ?? {};
  const peers = Object.keys(pkg.peerDependencies ?? {}).filter((n) => !peersOptional[n]?.optional);
  const optional = new Set(Object.keys(pkg.optionalDependencies ?? {}));
  const names = [...new Set([...Object.keys(pkg.dependencies ?? {}), ...optional, ...peers])].sort();
  return names.map((name) => ({ name, optional: optional.has(name) }));
}

/**
 * The production tree of a lockfile (v2/v3 `packages` map) as nested nodes
 * {name, version, path, optional, os, cpu, children, repeat}; a package met again is a leaf with
 * `repeat: true`, so the tree stays finite and short.
 */
export function productionTree(lock) {
  const packages = lock.packages;
  if (!packages || !packages['']) throw new Error('package-lock.json has no "packages" map (lockfileVersion 2 or 3 is needed; run npm install --package-lock-only with npm 7 or newer)');
  const seen = new Set();
  const visit = (from, dep, optional) => {
    const path = resolveIn(packages, from, dep);
    if (!path) return { name: dep, version: null, path: null, optional, children: [], repeat: false };
    const pkg = packages[path];
    // npm marks what only optional dependencies need: `optional`, or `devOptional` when a dev
    // dependency needs it too (in production that leaves the optional path)
    const node = { name: dep, version: pkg.version ?? null, path, optional: !!(pkg.optional || pkg.devOptional), os: pkg.os, cpu: pkg.cpu, children: [], repeat: seen.has(path) };
    if (node.repeat) return node;
    seen.add(path);
    node.children = runtimeDeps(pkg).map((d) => visit(path, d.name, d.optional));
    return node;
  };
  const root = packages[''];
  return { name: root.name ?? lock.name, version: root.version ?? lock.version, children: runtimeDeps(root).map((d) => visit('', d.name, d.optional)) };
}

/**
 * Every distinct `name@version` of the tree, sorted, with the lockfile paths it is installed at;
 * optional when every copy is.
 */
export function flatten(tree) {
  const out = new Map();
  const walk = (n) => {
    if (n.path && !n.repeat) {
      const key = `${n.name}@${n.version}`;
      const entry = out.get(key) ?? { name: n.name, version: n.version, paths: [], optional: true, os: n.os, cpu: n.cpu };
      entry.paths.push(n.path);
      entry.optional &&= n.optional;
      out.set(key, entry);
    }
    n.children.forEach(walk);
  };
  tree.children.forEach(walk);
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name) || String(a.version).localeCompare(String(b.version), undefined, { numeric: true }));
}

const platformNote = (n) => [n.os && `os ${n.os.join('/')}`, n.cpu && `cpu ${n.cpu.join('/')}`].filter(Boolean).join(', ');

/** The tree as indented text lines, with optional and platform-only packages marked. */
export function formatTree(tree) {
  const lines = [`${tree.name}@${tree.version} production dependencies (from package-lock.json)`];
  const walk = (nodes, prefix) => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      const notes = [n.optional && 'optional', platformNote(n), n.version === null && 'not in the lockfile', n.repeat && 'see above'].filter(Boolean);
      lines.push(`${prefix}${last ? '└── ' : '├── '}${n.name}${n.version ? `@${n.version}` : ''}${notes.length ? ` (${notes.join('; ')})` : ''}`);
      walk(n.children, prefix + (last ? '    ' : '│   '));
    });
  };
  walk(tree.children, '');
  const flat = flatten(tree);
  lines.push('', `${flat.length} distinct name@version (${flat.filter((p) => p.optional).length} optional). \`--flat\` lists them one per line.`);
  return lines.join('\n');
}

/** CLI entry: prints the tree, the flat list or JSON; resolves to the exit code. */
export function main(argv = process.argv.slice(2)) {
  const at = argv.indexOf('--lock');
  const lockFile = at >= 0 ? resolve(argv[at + 1] ?? '') : join(dirname(fileURLToPath(import.meta.url)), '..', 'package-lock.json');
  let lock;
  try {
    lock = JSON.parse(readFileSync(lockFile, 'utf8'));
  } catch (e) {
    process.stderr.write(`deps-tree: cannot read ${lockFile}: ${e.code ?? e.message}\n`);
    return 1;
  }
  let tree;
  try {
    tree = productionTree(lock);
  } catch (e) {
    process.stderr.write(`deps-tree: ${lockFile}: ${e.message}\n`);
    return 1;
  }
  if (argv.includes('--json')) process.stdout.write(JSON.stringify({ root: `${tree.name}@${tree.version}`, packages: flatten(tree) }, null, 2) + '\n');
  else if (argv.includes('--flat')) process.stdout.write(flatten(tree).map((p) => `${p.name}@${p.version}${p.optional ? ' (optional)' : ''}`).join('\n') + '\n');
  else process.stdout.write(formatTree(tree) + '\n');
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main();
