/** Handlers of the datasets part of the contract. */
import type { DomainHandlers } from '../../shared/api';
import type { datasetRequests } from '../../shared/contract/datasets';
import type { AppContext } from './context';

/** Import with progress events, list, health, samples. */
export function datasetHandlers(ctx: AppContext): DomainHandlers<typeof datasetRequests> {
  return {
    'datasets.list': async ({ project }) => ctx.datasets.list(ctx.projects.get(project)),
    'datasets.import': async ({ project, ...req }) =>
      ctx.datasets.import(ctx.projects.get(project), req, (datasetId, progress) => ctx.emit('datasets.scanProgress', { project, datasetId, progress })),
    'datasets.health': async ({ project }) => ctx.datasets.health(ctx.projects.get(project)),
    'datasets.samples': async ({ project, datasetId, ...opts }) => ctx.datasets.samples(ctx.projects.get(project), datasetId, opts),
  };
}
