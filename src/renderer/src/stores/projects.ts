/** Projects: the recent list, creating and opening, and the project in view. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ProjectSummary, RecentProject } from '../../../shared/schemas/project';
import { api, errorMessage } from '../api/client';

export const useProjectsStore = defineStore('projects', () => {
  const recent = ref<RecentProject[]>([]);
  const current = ref<ProjectSummary | null>(null);
  const error = ref<string | null>(null);
  const busy = ref(false);

  async function guard<T>(work: () => Promise<T>): Promise<T | undefined> {
    busy.value = true;
    error.value = null;
    try {
      return await work();
    } catch (e) {
      error.value = errorMessage(e);
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  /** Reloads the recent-projects list. */
  async function loadRecent() {
    try {
      recent.value = await api().request('projects.recent', {});
    } catch (e) {
      error.value = errorMessage(e);
    }
  }

  /** Creates a project; on success it becomes the current one. */
  async function create(name: string, folder: string) {
    const p = await guard(() => api().request('projects.create', { name, folder }));
    if (p) current.value = p;
    await loadRecent();
    return p;
  }

  /** Opens a project folder; on success it becomes the current one. */
  async function open(folder: string) {
    const p = await guard(() => api().request('projects.open', { folder }));
    if (p) current.value = p;
    await loadRecent();
    return p;
  }

  /** Removes a folder from the recent list (the folder itself is untouched). */
  async function forget(folder: string) {
    await guard(() => api().request('projects.forget', { folder }));
    await loadRecent();
  }

  /** Creates (or reopens) the example project with its datasets imported; it becomes the current one. */
  async function openExample() {
    const r = await guard(() => api().request('projects.openExample', {}));
    if (r) current.value = r.project;
    await loadRecent();
    return r;
  }

  /** Re-reads the current project's counts (datasets, runs). */
  async function refresh() {
    if (!current.value) return;
    const p = await guard(() => api().request('projects.open', { folder: current.value!.folder }));
    if (p) current.value = p;
  }

  /** Reopens a project remembered across a page reload; a failure just leaves no project open. */
  async function reopenQuietly(folder: string) {
    try {
      current.value = await api().request('projects.open', { folder });
    } catch {
      current.value = null;
    }
  }

  return { recent, current, error, busy, loadRecent, create, open, forget, openExample, refresh, reopenQuietly };
});
