/** The app's services outside Electron (`attune serve`, the CLI, tests): same handlers, forked engine. */
import type { EventName, EventPayload } from '../shared/api';
import type { DoctorReport } from '../shared/schemas/system';
import { createDispatcher, type Dispatch } from './dispatch';
import { EngineHost, forkSpawner } from './engine-host';
import { defaultUserDataDir } from './paths';
import { createHandlers } from './handlers';
import { ProjectService } from './services/projects';
import { DatasetService } from './services/datasets';
import { RunService } from './services/runs/service';

export interface NodeApp {
  engine: EngineHost;
  projects: ProjectService;
  datasets: DatasetService;
  runs: RunService;
  dispatch: Dispatch;
  /** Where events go; replaced by the server once it listens. */
  setEventSink(sink: (event: string, payload: unknown) => void): void;
  /** Stops the engine and closes every database. */
  shutdown(): Promise<void>;
}

/** Builds the services for a Node process. */
export function createNodeApp(mode: DoctorReport['app']['mode'], userDataDir = defaultUserDataDir()): NodeApp {
  const engine = new EngineHost(forkSpawner());
  const projects = new ProjectService(userDataDir);
  let sink: (event: string, payload: unknown) => void = () => {};
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => sink(event, payload);
  engine.onStatus((s) => emit('engine.status', s));
  const datasets = new DatasetService(engine);
  const runs = new RunService(engine, projects, emit);
  const dispatch = createDispatcher(createHandlers({ mode, userDataDir, engine, projects, datasets, runs, emit }), (e) => console.error('[attune]', e));
  return {
    engine,
    projects,
    datasets,
    runs,
    dispatch,
    setEventSink: (s) => void (sink = s),
    async shutdown() {
      await engine.stop();
      projects.closeAll();
    },
  };
}
