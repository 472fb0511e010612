/** The whole contract's handlers: one builder per domain, joined into a `Handlers` (compile-checked). */
import type { Handlers } from '../../shared/api';
import type { AppContext } from './context';
import { datasetHandlers } from './datasets';
import { projectHandlers } from './projects';
import { systemHandlers } from './system';
import { runHandlers } from './runs';
import { studioHandlers } from './studio';

export type { AppContext } from './context';

/** Every handler of the contract; a missing or extra one does not compile. */
export function createHandlers(ctx: AppContext): Handlers {
  return {
    ...systemHandlers(ctx),
    ...projectHandlers(ctx),
    ...datasetHandlers(ctx),
    ...runHandlers(ctx),
    ...studioHandlers(ctx),
  };
}
