import { describe, expect, it } from 'vitest';
import { fork } from 'node:child_process';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { EngineHost, type EngineSpawner } from '../../src/main/engine-host';
import type { FromEngine } from '../../src/shared/engine-protocol';

const root = resolve(__dirname, '..', '..');

describe('the engine as its own built entry', () => {
  it('builds into one self-contained file that serves requests in a separate process', async () => {
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
      const pong = await host.request<{ pid: number }>('ping');
      expect(pong.pid).toBeGreaterThan(0);
      const doctor = await host.request<{ backend: string }>('doctor');
      expect(doctor.backend).toMatch(/wasm|tensorflow/);
    } finally {
      await host.stop();
    }
  });
});
