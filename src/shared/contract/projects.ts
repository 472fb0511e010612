/** Contract: creating, opening and remembering projects. */
import { z } from 'zod';
import { CreateProjectInput, OpenProjectInput, ProjectSummary, RecentProject } from '../schemas/project';

export const projectRequests = {
  'projects.recent': { input: z.object({}).strict(), output: z.array(RecentProject) },
  'projects.create': { input: CreateProjectInput.strict(), output: ProjectSummary },
  'projects.open': { input: OpenProjectInput.strict(), output: ProjectSummary },
  'projects.forget': { input: OpenProjectInput.strict(), output: z.object({ removed: z.boolean() }) },
} as const;

export const projectEvents = {} as const;
