/** Handlers of the projects part of the contract. */
import type { DomainHandlers } from '../../shared/api';
import type { projectRequests } from '../../shared/contract/projects';
import type { AppContext } from './context';

/** Recent list, create, open, forget. */
export function projectHandlers(ctx: AppContext): DomainHandlers<typeof projectRequests> {
  return {
    'projects.recent': async () => ctx.projects.recent.list(),
    'projects.create': async ({ name, folder }) => ctx.projects.create(name, folder),
    'projects.open': async ({ folder }) => ctx.projects.openProject(folder),
    'projects.forget': async ({ folder }) => ({ removed: ctx.projects.recent.forget(folder) }),
  };
}
