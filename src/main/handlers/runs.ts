/** Handlers of the runs part of the contract. */
import type { DomainHandlers } from '../../shared/api';
import type { runRequests } from '../../shared/contract/runs';
import { compareRuns } from '../services/runs/compare';
import { cellImages } from '../services/runs/cells';
import type { AppContext } from './context';

/** Recipes, estimates, the queue, history, metrics, comparison and cell drill-down. */
export function runHandlers(ctx: AppContext): DomainHandlers<typeof runRequests> {
  const runs = ctx.runs;
  return {
    'runs.recipes': async () => runs.recipes(),
    'runs.validate': async (input) => runs.validate(input),
    'runs.estimate': async (input) => runs.estimate(input),
    'runs.start': async (input) => runs.start(input),
    'runs.list': async ({ project }) => runs.list(project),
    'runs.get': async ({ project, runId }) => runs.get(project, runId),
    'runs.metrics': async ({ project, runId, names, maxPoints }) => runs.metrics(project, runId, names, maxPoints),
    'runs.pause': async ({ project, runId }) => runs.pause(project, runId),
    'runs.cancel': async ({ project, runId }) => runs.cancel(project, runId),
    'runs.resume': async ({ project, runId }) => runs.resume(project, runId),
    'runs.compare': async ({ project, runIds, groupIds, byGroup }) => compareRuns(ctx.projects.get(project), runIds, groupIds, byGroup),
    'runs.cellImages': async ({ project, runId, ...o }) => cellImages(ctx.projects.get(project), ctx.engine, runId, o),
  };
}
