/**
 * Scan of many small files: writes N tiny PNGs (default 100k) into a temp folder, scans them
 * and reports files/s and peak RSS, to check the scan streams instead of holding the list.
 * Usage: npx tsx bench/data/scan-many.ts [N]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { scanSources } from '../../src/engine/data/scan';
import { HealthAccumulator } from '../../src/engine/data/health';

const n = Number(process.argv[2] ?? 100_000);
const dir = await mkdtemp(join(tmpdir(), 'attune-scan-many-'));
try {
  const perFolder = 1000;
  const t0 = performance.now();
  for (let f = 0; f * perFolder < n; f++) {
    const sub = join(dir, `class${f % 10}`, `part${f}`);
    await mkdir(sub, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < perFolder && f * perFolder + i < n; i++) {
      const k = f * perFolder + i;
      const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: k & 255, g: (k >> 8) & 255, b: (k >> 16) & 255 } } }).png().toBuffer();
      writes.push(writeFile(join(sub, `${k}.png`), png));
    }
    await Promise.all(writes);
  }
  const writeSeconds = (performance.now() - t0) / 1000;
  let peakRss = process.memoryUsage().rss;
  const startRss = peakRss;
  const acc = new HealthAccumulator();
  const t1 = performance.now();
  let count = 0;
  for await (const batch of scanSources([{ kind: 'labeled-folder', path: dir }], { batchSize: 512 })) {
    for (const r of batch) acc.add(r);
    count += batch.length;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const scanSeconds = (performance.now() - t1) / 1000;
  const h = acc.report();
  console.log(JSON.stringify({
    files: count, readable: h.readable, writeSeconds: +writeSeconds.toFixed(1), scanSeconds: +scanSeconds.toFixed(1),
    filesPerSecond: Math.round(count / scanSeconds), rssStartMB: Math.round(startRss / 2 ** 20), rssPeakMB: Math.round(peakRss / 2 ** 20),
  }));
} finally {
  await rm(dir, { recursive: true, force: true });
}
