/** The contract's handlers, built from the app's services; shared by IPC and `attune serve`. */
import type { EventName, EventPayload, Handlers } from '../../shared/api';
import type { DoctorReport } from '../../shared/schemas/system';
import type { EngineHost } from '../engine-host';
import { doctorReport } from './doctor';
import type { ProjectService } from './projects';

/** What the handlers need from their host process. */
export interface AppContext {
  mode: DoctorReport['app']['mode'];
  engine: EngineHost;
  projects: ProjectService;
  /** Pushes an event to every connected renderer. */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
}

/** Every handler of the contract (a missing or extra one does not compile). */
export function createHandlers(ctx: AppContext): Handlers {
  return {
    'system.doctor': async () => doctorReport(await ctx.engine.request<Record<string, unknown>>('doctor'), ctx.mode),
    'system.engineStatus': async () => ctx.engine.status,
    'projects.recent': async () => ctx.projects.recent.list(),
    'projects.create': async ({ name, folder }) => ctx.projects.create(name, folder),
    'projects.open': async ({ folder }) => ctx.projects.openProject(folder),
    'projects.forget': async ({ folder }) => ({ removed: ctx.projects.recent.forget(folder) }),
  };
}
