/** Schemas of projects as the renderer sees them. */
import { z } from 'zod';

/** An absolute folder path typed by a user or picked in a dialog. */
export const FolderPath = z.string().trim().min(1, 'a folder is required').max(4096);

export const ProjectSummary = z.object({
  id: z.string(),
  name: z.string(),
  folder: z.string(),
  createdAt: z.string(),
  schemaVersion: z.number().int(),
  datasets: z.number().int(),
  runs: z.number().int(),
});
export type ProjectSummary = z.infer<typeof ProjectSummary>;

export const RecentProject = z.object({
  name: z.string(),
  folder: z.string(),
  openedAt: z.string(),
  /** false when the folder no longer holds a project (moved, deleted, unplugged drive) */
  available: z.boolean(),
});
export type RecentProject = z.infer<typeof RecentProject>;

export const CreateProjectInput = z.object({
  name: z.string().trim().min(1, 'a name is required').max(200),
  folder: FolderPath,
});
export const OpenProjectInput = z.object({ folder: FolderPath });
