/** Comparison of runs or run groups: the table, the overlaid curves, and the images of a confusion-matrix cell. */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { CellImage, CompareReport } from '../../../shared/schemas/run';
import type { Output } from '../../../shared/api';
import { api, errorMessage } from '../api/client';

export const useCompareStore = defineStore('compare', () => {
  const selected = ref<string[]>([]);
  const byGroup = ref(true);
  const report = shallowRef<CompareReport | null>(null);
  const cell = ref<{ runId: string; trueClass: number; predictedClass: number; tta: boolean } | null>(null);
  const cellImages = shallowRef<CellImage[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const evaluations = shallowRef<Record<string, Output<'studio.runEvaluation'>>>({});

  /** Compares the selected runs (grouped by seeds unless byGroup is off). */
  async function compare(project: string) {
    loading.value = true;
    error.value = null;
    try {
      report.value = await api().request('runs.compare', { project, runIds: selected.value, byGroup: byGroup.value });
      await loadEvaluations(project);
    } catch (e) {
      error.value = errorMessage(e);
    } finally {
      loading.value = false;
    }
  }

  /** ROC and per-class AUC of the selected runs (runs without an evaluation are left out). */
  async function loadEvaluations(project: string) {
    const out: Record<string, Output<'studio.runEvaluation'>> = {};
    for (const runId of selected.value) {
      try {
        out[runId] = await api().request('studio.runEvaluation', { project, runId });
      } catch {
        // not evaluated (yet): no curve for it
      }
    }
    evaluations.value = out;
  }

  /** Loads the test images of one confusion-matrix cell, worst first. */
  async function openCell(project: string, runId: string, trueClass: number, predictedClass: number, tta = false) {
    cell.value = { runId, trueClass, predictedClass, tta };
    cellImages.value = [];
    try {
      cellImages.value = await api().request('runs.cellImages', { project, runId, trueClass, predictedClass, tta, limit: 48, size: 72 });
    } catch (e) {
      error.value = errorMessage(e);
    }
  }

  function closeCell() {
    cell.value = null;
    cellImages.value = [];
  }

  return { selected, byGroup, report, evaluations, cell, cellImages, loading, error, compare, loadEvaluations, openCell, closeCell };
});
