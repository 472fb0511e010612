/** Starts the engine as an Electron utilityProcess (a separate OS process, no Node in the window). */
import { utilityProcess } from 'electron';
import type { FromEngine } from '../shared/engine-protocol';
import type { EngineSpawner } from './engine-host';

/** A spawner for EngineHost that uses utilityProcess.fork on the built engine entry. */
export function utilitySpawner(entry: string): EngineSpawner {
  return () => {
    const child = utilityProcess.fork(entry, [], {
      serviceName: 'Attune engine',
      stdio: 'inherit',
      env: { ...process.env, TF_FORCE_GPU_ALLOW_GROWTH: 'true' },
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (m) => child.postMessage(m),
      onMessage: (l) => void child.on('message', (m: FromEngine) => l(m)),
      onExit: (l) => void child.on('exit', (code) => l(code, null)),
      kill: () => void child.kill(),
    };
  };
}
