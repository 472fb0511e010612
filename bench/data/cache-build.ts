// The engine's own path from a cold start: buildCache with its default decoder choice ('auto':
// in-process for the first 200 files, then the shared decoder processes once they are up,
// start-up included) against decoding in-process only, alternating, on generated JPEGs.
//   npx tsx bench/data/cache-build.ts [COUNT=3000] [SIZE=64] [ROUNDS=2]
// Each 'auto' round runs in a fresh process, so the decoders start cold every time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCache, type CacheItem } from '../../src/engine/data/cache';
import { writeBenchJpegs } from '../../src/engine/data/throughput';

const [, , first = '3000', second = '64', third = '2'] = process.argv;
if (first === '--one') {
  // child mode: --one DIR SIZE MODE
  const [dir, size, mode] = [second, Number(third), process.argv[5] as 'auto' | 'here'];
  const items: CacheItem[] = readdirSync(dir).map((f, i) => ({ key: f, label: i % 3, source: { kind: 'file', absPath: join(dir, f) } }));
  const out = mkdtempSync(join(tmpdir(), 'attune-cache-build-'));
  const t0 = performance.now();
  const index = await buildCache(items, { dir: out, resolution: size, decoder: mode });
  const seconds = (performance.now() - t0) / 1000;
  rmSync(out, { recursive: true, force: true });
  console.log(JSON.stringify({ mode, images: index.count, seconds, rate: index.count / seconds }));
} else {
  const count = Number(first), size = Number(second), rounds = Number(third);
  const dir = mkdtempSync(join(tmpdir(), 'attune-cache-build-src-'));
  try {
    await writeBenchJpegs(dir, count);
    const self = fileURLToPath(import.meta.url);
    for (let r = 0; r < rounds; r++) {
      for (const mode of ['here', 'auto']) {
        const out = execFileSync(process.execPath, [...process.execArgv, self, '--one', dir, String(size), mode], { encoding: 'utf8' });
        const res = JSON.parse(out.trim().split('\n').pop()!) as { mode: string; images: number; seconds: number; rate: number };
        console.log(`${size} px, ${res.mode.padEnd(4)}: ${res.images} images in ${res.seconds.toFixed(2)} s = ${res.rate.toFixed(0)} img/s`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
