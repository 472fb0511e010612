/**
 * Runs of the current project: the queue and history, recipes and estimates, starting and
 * controlling runs, and the live monitor of the selected run (stage progress, metric series,
 * log). Series live in a shallowRef map grown in place; `seriesVersion` tells charts to redraw.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { Input } from '../../../shared/api';
import type { EngineMemory } from '../../../shared/contract/studio';
import type { RecipePreset } from '../../../shared/schemas/recipe';
import type { RunDetail, RunEstimate, RunSummary } from '../../../shared/schemas/run';
import { api, errorMessage } from '../api/client';
import { fromSeries, mergePoints, type Point } from '../charts/series';
import { loadPeaks, recordPeak, savePeaks } from './peak-memory';

/** Live progress of a run's current stage. */
export interface LiveProgress {
  stageIdx: number;
  stage: string;
  status: string;
  step: number;
  totalSteps: number;
  etaSeconds: number | null;
  runEtaSeconds: number | null;
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  time: string;
}

const MAX_LOG = 400;

export const useRunsStore = defineStore('runs', () => {
  const project = ref<string | null>(null);
  const runs = ref<RunSummary[]>([]);
  const recipes = shallowRef<RecipePreset[]>([]);
  const selectedId = ref<string | null>(null);
  const detail = shallowRef<RunDetail | null>(null);
  const series = shallowRef(new Map<string, Point[]>());
  const seriesVersion = ref(0);
  const progress = ref<Record<string, LiveProgress>>({});
  const logs = shallowRef<LogLine[]>([]);
  const logVersion = ref(0);
  const error = ref<string | null>(null);
  const busy = ref(false);
  const memory = shallowRef<EngineMemory | null>(null);
  /** the engine's largest resident memory seen while each run trained (bytes, by run id) */
  const peakMemory = ref<Record<string, number>>(loadPeaks());
  /** when the selected run's detail was last read (ms), for the running stage's ticking time */
  const detailAt = ref(Date.now());
  /** true while a run of the project trains */
  const training = computed(() => runs.value.some((r) => r.status === 'running'));
  let memoryTimer: ReturnType<typeof setInterval> | undefined;
  let subscribed = false;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** the last run status written to the log, per run (status events may repeat) */
  const loggedStatus = new Map<string, string>();

  const mine = (p: { project: string }) => project.value !== null && p.project === project.value;

  /** Adds a line to the selected run's log (the engine's own lines, and the monitor's notes of stages and the run's end). */
  function pushLog(level: LogLine['level'], message: string, time = new Date().toISOString()) {
    const next = logs.value.length >= MAX_LOG ? logs.value.slice(-MAX_LOG + 1) : logs.value.slice();
    next.push({ level, message, time });
    logs.value = next;
    logVersion.value++;
  }

  /** Re-reads the list (and the selected run) soon, coalescing bursts of status events. */
  function refreshSoon() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(async () => {
      refreshTimer = undefined;
      await loadList();
      if (selectedId.value) await loadDetail(selectedId.value);
    }, 150);
  }

  function subscribe() {
    if (subscribed) return;
    subscribed = true;
    const c = api();
    c.on('runs.status', (e) => {
      if (!mine(e)) return;
      const r = runs.value.find((x) => x.id === e.runId);
      if (r) r.status = e.status;
      if (e.runId === selectedId.value && loggedStatus.get(e.runId) !== e.status) {
        loggedStatus.set(e.runId, e.status);
        const ended = ['completed', 'failed', 'cancelled', 'interrupted', 'paused'].includes(e.status);
        if (ended || e.status === 'running') pushLog(e.status === 'failed' ? 'error' : 'info', e.status === 'running' ? 'run started' : `run ${e.status}${e.error ? `: ${e.error}` : ''}`);
      }
      refreshSoon();
    });
    c.on('runs.stageProgress', (e) => {
      if (!mine(e)) return;
      const prev = progress.value[e.runId];
      if (e.runId === selectedId.value && (!prev || prev.stageIdx !== e.stageIdx || prev.status !== e.status)) {
        if (e.status === 'running' && (prev ? prev.stageIdx !== e.stageIdx : e.step === 0)) pushLog('info', `stage ${e.stage} started${e.totalSteps > 0 && e.stageIdx > 0 ? ` (${e.totalSteps} steps)` : ''}`);
        else if (e.status !== 'running') pushLog(e.status === 'failed' ? 'error' : 'info', `stage ${e.stage} ${e.status}${e.status === 'completed' && e.totalSteps > 0 && e.stageIdx > 0 ? ` at ${e.step} / ${e.totalSteps}` : ''}`);
      }
      progress.value = { ...progress.value, [e.runId]: { stageIdx: e.stageIdx, stage: e.stage, status: e.status, step: e.step, totalSteps: e.totalSteps, etaSeconds: e.etaSeconds, runEtaSeconds: e.runEtaSeconds } };
      // a stage that ends, or starts after the run's detail was read, changes the timeline
      const shown = detail.value?.id === e.runId ? detail.value.stages.find((st) => st.idx === e.stageIdx)?.status : undefined;
      if (e.runId === selectedId.value && (e.status !== 'running' || (shown !== undefined && shown !== 'running'))) refreshSoon();
    });
    c.on('runs.metrics', (e) => {
      if (!mine(e) || e.runId !== selectedId.value) return;
      if (mergePoints(series.value, e.points).size) seriesVersion.value++;
    });
    c.on('runs.log', (e) => {
      if (!mine(e) || e.runId !== selectedId.value) return;
      pushLog(e.level, e.message, e.time);
    });
  }

  async function guard<T>(work: () => Promise<T>): Promise<T | undefined> {
    error.value = null;
    try {
      return await work();
    } catch (e) {
      error.value = errorMessage(e);
      return undefined;
    }
  }

  /** Switches to a project and loads its runs. */
  async function load(folder: string) {
    if (project.value !== folder) {
      selectedId.value = null;
      detail.value = null;
      series.value = new Map();
      logs.value = [];
      progress.value = {};
    }
    project.value = folder;
    subscribe();
    await loadList();
  }

  async function loadList() {
    if (!project.value) return;
    const got = await guard(() => api().request('runs.list', { project: project.value! }));
    if (got) runs.value = got;
  }

  async function loadRecipes() {
    if (recipes.value.length) return;
    const got = await guard(() => api().request('runs.recipes', {}));
    if (got) recipes.value = got;
  }

  async function loadDetail(runId: string) {
    if (!project.value) return;
    const got = await guard(() => api().request('runs.get', { project: project.value!, runId }));
    if (got && runId === selectedId.value) {
      detail.value = got;
      detailAt.value = Date.now();
    }
  }

  /** Selects a run: its detail and its metric series (downsampled server side). */
  async function select(runId: string) {
    if (!project.value) return;
    if (selectedId.value !== runId) {
      logs.value = [];
      series.value = new Map();
      seriesVersion.value++;
    }
    selectedId.value = runId;
    await loadDetail(runId);
    const got = await guard(() => api().request('runs.metrics', { project: project.value!, runId, maxPoints: 5000 }));
    if (got && runId === selectedId.value) {
      // points that arrived by event while fetching are merged back in
      const merged = fromSeries(got);
      for (const [key, pts] of series.value) for (const [x, y] of pts) mergePoints(merged, [{ stageIdx: Number(key.split(':')[0]), name: key.slice(key.indexOf(':') + 1), step: x, value: y }]);
      series.value = merged;
      seriesVersion.value++;
    }
  }

  type StartInput = Omit<Input<'runs.start'>, 'project'>;

  /** Estimates a recipe on this machine. */
  async function estimate(input: StartInput): Promise<RunEstimate | undefined> {
    if (!project.value) return undefined;
    busy.value = true;
    try {
      return await guard(() => api().request('runs.estimate', { ...input, project: project.value! }));
    } finally {
      busy.value = false;
    }
  }

  /** Validates a recipe without the engine; the issues come back with their key paths. */
  async function validate(input: StartInput) {
    if (!project.value) return undefined;
    return guard(() => api().request('runs.validate', { ...input, project: project.value! }));
  }

  /** Queues a recipe (one run per seed) and selects the first run. */
  async function start(input: StartInput) {
    if (!project.value) return undefined;
    busy.value = true;
    try {
      const r = await guard(() => api().request('runs.start', { ...input, project: project.value! }));
      await loadList();
      if (r) await select(r.runIds[0]);
      return r;
    } finally {
      busy.value = false;
    }
  }

  /** Pause, cancel or resume a run. */
  async function control(action: 'pause' | 'cancel' | 'resume', runId: string) {
    if (!project.value) return;
    const method = `runs.${action}` as const;
    await guard(() => api().request(method, { project: project.value!, runId }));
    const failure = error.value;
    await loadList();
    if (runId === selectedId.value) await loadDetail(runId);
    error.value ??= failure;
  }

  /** Polls the engine's memory every few seconds while a view shows it; returns the stop function. */
  function watchMemory(everyMs = 3000): () => void {
    const tick = async () => {
      try {
        const m = await api().request('studio.engineMemory', {});
        memory.value = m;
        let changed = false;
        for (const r of runs.value) if (r.status === 'running') changed = recordPeak(peakMemory.value, r.id, m.rssBytes) || changed;
        if (changed) {
          peakMemory.value = { ...peakMemory.value };
          savePeaks(peakMemory.value);
        }
      } catch {
        memory.value = null;
      }
    };
    void tick();
    clearInterval(memoryTimer);
    memoryTimer = setInterval(tick, everyMs);
    return () => clearInterval(memoryTimer);
  }

  return {
    memory, watchMemory, peakMemory, detailAt, training,
    project, runs, recipes, selectedId, detail, series, seriesVersion, progress, logs, logVersion, error, busy,
    load, loadList, loadRecipes, select, estimate, validate, start, control,
  };
});
