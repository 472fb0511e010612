import { describe, expect, it } from 'vitest';
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { DecodePool } from '../../src/engine/data/decode-pool';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { EngineHost, type EngineSpawner } from '../../src/main/engine-host';
import type { FromEngine } from '../../src/shared/engine-protocol';

const root = resolve(__dirname, '..', '..');

describe('the engine as its own built entry', () => {
  it('builds into its own files that serve requests in a separate process, with the decoder entry beside them', async () => {
    // inside the project, so the externalised packages resolve from its node_modules
    const outDir = join(root, 'out', 'engine-test');
    await build({ configFile: join(root, 'vite.engine.config.ts'), logLevel: 'silent', build: { outDir } });
    const entry = join(outDir, 'worker.js');
    const spawner: EngineSpawner = () => {
      const child = fork(entry, [], { cwd: root, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      return {
        pid: child.pid,
        send: (m) => void (child.connected && child.send(m)),
        onMessage: (l) => void child.on('message', (m) => l(m as FromEngine)),
        onExit: (l) => void child.on('exit', (c, s) => l(c, s)),
        kill: () => void child.kill('SIGKILL'),
      };
    };
    const host = new EngineHost(spawner);
    try {
      const pong = await host.request('ping');
      expect(pong.pid).toBeGreaterThan(0);
      const doctor = await host.request('doctor');
      expect(doctor.backend).toMatch(/wasm|tensorflow/);
    } finally {
      await host.stop();
    }
    // the decoder processes' entry is built beside it and decodes a real image
    const pool = new DecodePool({ workers: 1, entry: { file: join(outDir, 'decode-worker.js'), execArgv: [] } });
    try {
      const dir = mkdtempSync(join(tmpdir(), 'attune-built-decoder-'));
      const image = join(dir, 'a.png');
      writeFileSync(image, await sharp({ create: { width: 20, height: 10, channels: 3, background: '#ff0000' } }).png().toBuffer());
      writeFileSync(join(dir, 'out.u8'), Buffer.alloc(0));
      const counts = await pool.decodeInto(image, { resolution: 8, fit: 'cover', maxPixels: 1e6, kernel: 'linear' }, { file: join(dir, 'out.u8'), offset: 0 });
      expect(counts[255]).toBe(64);
      expect([...readFileSync(join(dir, 'out.u8')).subarray(0, 3)]).toEqual([255, 0, 0]);
      rmSync(dir, { recursive: true, force: true });
    } finally {
      await pool.close();
    }
  });
});
