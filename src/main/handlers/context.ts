/** What every domain's handlers may use from their host process (Electron main or a Node server). */
import type { EventName, EventPayload } from '../../shared/api';
import type { DoctorReport } from '../../shared/schemas/system';
import type { EngineHost } from '../engine-host';
import type { ProjectService } from '../services/projects';
import type { DatasetService } from '../services/datasets';
import type { RunService } from '../services/runs/service';

export interface AppContext {
  mode: DoctorReport['app']['mode'];
  engine: EngineHost;
  /** the app's per-user folder (recent projects, the example project) */
  userDataDir: string;
  projects: ProjectService;
  datasets: DatasetService;
  runs: RunService;
  /** The native folder dialog (Electron only): the chosen path, or null when cancelled. Absent in `attune serve` and the CLI. */
  pickFolder?: (title: string, kind: 'folder' | 'file') => Promise<string | null>;
  /** Pushes an event to every connected renderer. */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
}
