/** The doctor report and the engine's state. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { DoctorReport, EngineStatus } from '../../../shared/schemas/system';
import { api, errorMessage } from '../api/client';

export const useSystemStore = defineStore('system', () => {
  const report = ref<DoctorReport | null>(null);
  const engine = ref<EngineStatus>({ state: 'stopped' });
  const error = ref<string | null>(null);
  const loading = ref(false);
  let subscribed = false;

  /** Asks the engine for its backend report. */
  async function loadDoctor() {
    loading.value = true;
    error.value = null;
    try {
      report.value = await api().request('system.doctor', {});
      engine.value = await api().request('system.engineStatus', {});
    } catch (e) {
      error.value = errorMessage(e);
    } finally {
      loading.value = false;
    }
  }

  /** Follows engine state changes pushed by main. */
  function watchEngine() {
    if (subscribed) return;
    subscribed = true;
    api().on('engine.status', (s) => (engine.value = s));
  }

  return { report, engine, error, loading, loadDoctor, watchEngine };
});
