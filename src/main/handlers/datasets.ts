/** Handlers of the datasets part of the contract. */
import type { DomainHandlers } from '../../shared/api';
import type { datasetRequests } from '../../shared/contract/datasets';
import type { AppContext } from './context';
import { browseFolders } from '../services/folders';

/** Import with progress events, list, health, samples, removal, and the folder browser. */
export function datasetHandlers(ctx: AppContext): DomainHandlers<typeof datasetRequests> {
  return {
    'datasets.list': async ({ project }) => ctx.datasets.list(ctx.projects.get(project)),
    'datasets.import': async ({ project, ...req }) =>
      ctx.datasets.import(ctx.projects.get(project), req, (datasetId, progress) => ctx.emit('datasets.scanProgress', { project, datasetId, progress })),
    'datasets.health': async ({ project, datasetId }) => ctx.datasets.health(ctx.projects.get(project), datasetId),
    'datasets.remove': async ({ project, datasetId }) => ctx.datasets.remove(ctx.projects.get(project), datasetId),
    'datasets.browse': async ({ path }) => browseFolders(path),
    'datasets.pickFolder': async ({ title, kind }) => (ctx.pickFolder ? { native: true, path: await ctx.pickFolder(title, kind) } : { native: false, path: null }),
    'datasets.samples': async ({ project, datasetId, ...opts }) => ctx.datasets.samples(ctx.projects.get(project), datasetId, opts),
  };
}
