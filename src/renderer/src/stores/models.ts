/** The model library: architectures, known pretrained weights with their download locations, and weight-file checks. */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { CatalogEntryData, ExportedModel, WeightCheck } from '../../../shared/contract/studio';
import { api, errorMessage } from '../api/client';

export const useModelsStore = defineStore('models', () => {
  const architectures = ref<string[]>([]);
  const catalog = shallowRef<CatalogEntryData[]>([]);
  const check = shallowRef<WeightCheck | null>(null);
  const checking = ref(false);
  const error = ref<string | null>(null);

  /** Loads the catalog once. */
  async function loadCatalog() {
    if (catalog.value.length) return;
    try {
      const r = await api().request('models.catalog', {});
      architectures.value = r.architectures;
      catalog.value = r.entries;
    } catch (e) {
      error.value = errorMessage(e);
    }
  }

  /** Checks how a weight file's keys fit an architecture. */
  async function checkWeights(path: string, arch: string) {
    checking.value = true;
    error.value = null;
    check.value = null;
    try {
      check.value = await api().request('models.checkWeights', { path, arch });
    } catch (e) {
      error.value = errorMessage(e);
    } finally {
      checking.value = false;
    }
    return check.value;
  }

  const exports = ref<Record<string, ExportedModel>>({});
  const exporting = ref<string | null>(null);

  /** Exports a run's fine-tuned classifier (safetensors, and TF.js where the architecture is covered). */
  async function exportRun(project: string, runId: string) {
    exporting.value = runId;
    error.value = null;
    try {
      const r = await api().request('models.export', { project, runId });
      exports.value = { ...exports.value, [runId]: r };
      return r;
    } catch (e) {
      error.value = errorMessage(e);
      return undefined;
    } finally {
      exporting.value = null;
    }
  }

  return { architectures, catalog, check, checking, error, exports, exporting, loadCatalog, checkWeights, exportRun };
});
