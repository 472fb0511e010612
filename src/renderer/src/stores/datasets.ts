/** Datasets of the current project: import with scan progress, removal, health reports (project and per dataset), the folder browser, samples and the augmentation preview. */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { DatasetKind, DatasetSummary, FolderListing, SampleImage } from '../../../shared/contract/datasets';
import type { AugmentPolicyName, AugmentPreviewItem } from '../../../shared/contract/studio';
import type { HealthReport, ScanProgress } from '../../../shared/schemas/dataset';
import { api, errorMessage } from '../api/client';

export const useDatasetsStore = defineStore('datasets', () => {
  const project = ref<string | null>(null);
  const list = ref<DatasetSummary[]>([]);
  const health = shallowRef<HealthReport | null>(null);
  const healthOf = shallowRef<Record<number, HealthReport>>({});
  const progress = ref<ScanProgress | null>(null);
  const scanning = ref(false);
  const error = ref<string | null>(null);
  const samples = shallowRef<Record<string, SampleImage[]>>({});
  const preview = shallowRef<AugmentPreviewItem[]>([]);
  const previewBusy = ref(false);
  let unsubscribe: (() => void) | undefined;
  /** whether the host has a native folder dialog (unknown until first asked) */
  let nativeDialog: boolean | undefined;

  function follow() {
    unsubscribe ??= api().on('datasets.scanProgress', (e) => {
      if (project.value && e.project === project.value) progress.value = e.progress;
    });
  }

  /** Loads the datasets (and health, when there are any) of a project. */
  async function load(folder: string) {
    if (project.value !== folder) {
      health.value = null;
      healthOf.value = {};
      samples.value = {};
      preview.value = [];
    }
    project.value = folder;
    follow();
    error.value = null;
    try {
      list.value = await api().request('datasets.list', { project: folder });
      healthOf.value = {};
      if (list.value.length) health.value = await api().request('datasets.health', { project: folder });
    } catch (e) {
      error.value = errorMessage(e);
    }
  }

  /** Imports a folder / CSV / IDX file; resolves with the dataset or undefined (error set). */
  async function importData(kind: DatasetKind, path: string, name?: string) {
    if (!project.value) return undefined;
    scanning.value = true;
    progress.value = null;
    error.value = null;
    try {
      const r = await api().request('datasets.import', { project: project.value, kind, path, ...(name ? { name } : {}) });
      health.value = r.report;
      list.value = await api().request('datasets.list', { project: project.value });
      return r.dataset;
    } catch (e) {
      error.value = errorMessage(e);
      return undefined;
    } finally {
      scanning.value = false;
    }
  }

  /** The health report of one dataset (the Data view's tab), kept by dataset id. */
  async function loadHealthOf(datasetId: number) {
    if (!project.value) return;
    try {
      const r = await api().request('datasets.health', { project: project.value, datasetId });
      healthOf.value = { ...healthOf.value, [datasetId]: r };
    } catch (e) {
      error.value = errorMessage(e);
    }
  }

  /** Forgets a dataset (its files stay on disk) and reloads the list and the project's health. */
  async function remove(datasetId: number) {
    if (!project.value) return false;
    error.value = null;
    try {
      const r = await api().request('datasets.remove', { project: project.value, datasetId });
      const { [datasetId]: _gone, ...rest } = healthOf.value;
      healthOf.value = rest;
      list.value = await api().request('datasets.list', { project: project.value });
      health.value = list.value.length ? await api().request('datasets.health', { project: project.value }) : null;
      return r.removed;
    } catch (e) {
      error.value = errorMessage(e);
      return false;
    }
  }

  /** Sub-folders of a folder (or completions of a partly typed path) on the machine that holds the images; null on error. */
  async function browse(path: string): Promise<FolderListing | null> {
    try {
      return await api().request('datasets.browse', { path });
    } catch {
      return null;
    }
  }

  /** The native folder dialog: `undefined` where there is none (serve mode: use `browse`), else the path or null when cancelled. */
  async function pickFolder(title: string, kind: 'folder' | 'file' = 'folder'): Promise<string | null | undefined> {
    if (nativeDialog === false) return undefined;
    try {
      const r = await api().request('datasets.pickFolder', { title, kind });
      nativeDialog = r.native;
      return r.native ? r.path : undefined;
    } catch {
      nativeDialog = false;
      return undefined;
    }
  }

  /** Clears the last error (the next action starts without an old banner). */
  function clearError() {
    error.value = null;
  }

  /** Thumbnails of one class (or all images with label undefined) of a dataset. */
  async function loadSamples(datasetId: number, label?: string, limit = 12) {
    if (!project.value) return;
    const key = `${datasetId}:${label ?? '*'}`;
    try {
      const got = await api().request('datasets.samples', { project: project.value, datasetId, limit, size: 72, ...(label !== undefined ? { label } : {}) });
      samples.value = { ...samples.value, [key]: got };
    } catch (e) {
      error.value = errorMessage(e);
    }
  }

  /** Two self-supervised views of a few images for a policy; a new seed draws new views. */
  async function loadPreview(datasetId: number, policy: AugmentPolicyName, seed: number, count = 6) {
    if (!project.value) return;
    previewBusy.value = true;
    try {
      const r = await api().request('datasets.augmentPreview', { project: project.value, datasetId, policy, seed, count, size: 112 });
      preview.value = r.items;
    } catch (e) {
      error.value = errorMessage(e);
    } finally {
      previewBusy.value = false;
    }
  }

  return { project, list, health, healthOf, progress, scanning, error, samples, preview, previewBusy, load, importData, loadHealthOf, remove, browse, pickFolder, clearError, loadSamples, loadPreview };
});
