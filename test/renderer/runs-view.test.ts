import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { flushPromises, mount } from '@vue/test-utils';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { RunDetail, RunSummary } from '../../src/shared/schemas/run';
import { setApi } from '../../src/renderer/src/api/client';
import { useProjectsStore } from '../../src/renderer/src/stores/projects';
import RunsView from '../../src/renderer/src/views/RunsView.vue';
import { testClient, type TestClient } from './client';

const PROJECT = '/data/leaves';
const failed: RunSummary = {
  id: 'r1', groupId: 'g', name: 'big batch', recipe: 'hpt', status: 'failed', seed: 0, createdAt: '2026-01-01T00:00:00Z', startedAt: null, finishedAt: null,
  error: 'engine ran out of memory while allocating 2.1 GB', queuePosition: null, result: null,
};
const detail = {
  ...failed,
  config: { backbone: { arch: 'small-resnet', weights: null, config: {} }, batchSize: 512, data: { size: 64 } },
  stages: [
    { idx: 0, name: 'prepare', kind: 'prepare', status: 'completed', totalSteps: 0, doneSteps: 0, startedAt: null, finishedAt: null, seconds: 2 },
    { idx: 1, name: 'pretrain', kind: 'pretrain', status: 'failed', totalSteps: 100, doneSteps: 30, startedAt: null, finishedAt: null, seconds: 40 },
  ],
  checkpoints: [],
  artifacts: [],
} as unknown as RunDetail;

describe('Runs view', () => {
  let client: TestClient;
  beforeEach(() => {
    setActivePinia(createPinia());
    client = testClient({
      'runs.list': async () => [failed],
      'runs.get': async () => detail,
      'runs.metrics': async () => [{ stageIdx: 1, stage: 'pretrain', name: 'ssl_loss', points: [[10, 5], [20, 4.5], [30, 4.4]] }],
      'runs.resume': async () => ({ ...failed, status: 'queued' as const }),
      'system.doctor': async () => ({ backend: 'wasm', attempts: [], versions: {}, app: { version: '0.1.0', mode: 'serve' as const, platform: 'linux-x64' } }),
      'system.engineStatus': async () => ({ state: 'ready' as const }),
      'studio.engineMemory': async () => ({ rssBytes: 300 * 2 ** 20, heapUsedBytes: 50 * 2 ** 20, tensorBytes: 120 * 2 ** 20, tensors: 40, backend: 'wasm' }),
    });
    setApi(client);
    useProjectsStore().current = { id: 'p', name: 'Leaves', folder: PROJECT, createdAt: '2026-01-01', schemaVersion: 1, datasets: 1, runs: 1 };
  });

  it('explains a failed run with what to try, shows its stages, and resumes it', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/runs/:id?', component: RunsView }, { path: '/setup', component: RunsView }] });
    await router.push('/runs/r1');
    const wrapper = mount(RunsView, { global: { plugins: [router] }, attachTo: document.body });
    await flushPromises();
    await new Promise((r) => setTimeout(r, 50));
    const failure = wrapper.find('[data-test=failure]');
    expect(failure.exists()).toBe(true);
    expect(failure.text()).toContain('ran out of memory');
    expect(failure.text()).toMatch(/Lower the batch size/);
    expect(wrapper.find('[data-test=stage-pretrain]').classes()).toContain('failed');
    // a finished run shows where it stopped, its own step, and no engine memory of now
    expect(wrapper.find('[data-test=tile-stage]').text()).toBe('Stopped inpretrain');
    expect(wrapper.find('[data-test=step]').text()).toBe('30 / 100');
    expect(wrapper.find('[data-test=tile-memory]').text()).toContain('Peak memory');
    expect(wrapper.find('[data-test=memory]').text()).not.toContain('300 MB');
    expect(wrapper.find('[data-test=chart-loss] [data-test=chart]').attributes('data-points')).toBe('3');
    await wrapper.findAll('button').find((b) => b.text() === 'Resume')!.trigger('click');
    await flushPromises();
    expect(client.calls.some((c) => c.method === 'runs.resume')).toBe(true);
    wrapper.unmount();
  });

  it('ticks the running stage, logs stage changes and the end of the run, and says Training… in the sidebar', async () => {
    const running = { ...failed, id: 'r2', status: 'running' as const, error: null };
    const stages = [
      { idx: 0, name: 'prepare', kind: 'prepare', status: 'completed', totalSteps: 3000, doneSteps: 3000, startedAt: null, finishedAt: null, seconds: 5 },
      { idx: 1, name: 'source', kind: 'pretrain', status: 'running', totalSteps: 60, doneSteps: 0, startedAt: null, finishedAt: null, seconds: 0 },
      { idx: 2, name: 'finetune', kind: 'finetune', status: 'pending', totalSteps: 500, doneSteps: 0, startedAt: null, finishedAt: null, seconds: null },
    ];
    const cfg = { ...detail.config, batchSize: 32, accumulate: 1, stages: [{ kind: 'prepare' }, { kind: 'pretrain' }, { kind: 'finetune', batchSize: 32 }] };
    let current = { ...detail, ...running, config: cfg, stages } as unknown as RunDetail;
    client = testClient({
      'runs.list': async () => [current],
      'runs.get': async () => current,
      'runs.metrics': async () => [{ stageIdx: 1, stage: 'source', name: 'ssl_loss', points: [[5, 4.8], [10, 5.2]] }],
      'system.doctor': async () => ({ backend: 'wasm', attempts: [], versions: {}, app: { version: '0.1.0', mode: 'serve' as const, platform: 'linux-x64' } }),
      'system.engineStatus': async () => ({ state: 'ready' as const }),
      'studio.engineMemory': async () => ({ rssBytes: 300 * 2 ** 20, heapUsedBytes: 50 * 2 ** 20, tensorBytes: 120 * 2 ** 20, tensors: 40, backend: 'wasm' }),
    });
    setApi(client);
    const App = (await import('../../src/renderer/src/App.vue')).default;
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/runs/:id?', component: RunsView }, { path: '/:any(.*)', component: RunsView }] });
    await router.push('/runs/r2');
    const wrapper = mount(App, { global: { plugins: [router] }, attachTo: document.body });
    await flushPromises();
    await vi.waitFor(() => expect(wrapper.find('[data-test=monitor]').exists()).toBe(true), { timeout: 10_000 });
    await vi.waitFor(() => expect(wrapper.find('[data-test=engine-status]').text()).toContain('Training…'), { timeout: 10_000 });
    client.emit('runs.stageProgress', { project: PROJECT, runId: 'r2', stageIdx: 1, stage: 'source', status: 'running', step: 10, totalSteps: 60, etaSeconds: 50, runEtaSeconds: 50 });
    await flushPromises();
    expect(wrapper.find('[data-test=step]').text()).toBe('10 / 60');
    expect(wrapper.find('[data-test=chart-loss] [data-test=chart]').attributes('data-points')).toBe('2');
    // the running stage's time goes on between reads of the run (the clock ticks once a second)
    await vi.waitFor(() => expect(wrapper.find('[data-test=stage-time-source]').text()).not.toBe('0 s'), { timeout: 10_000, interval: 200 });
    // the run ETA adds the 500 fine-tune steps to the stage's 50 s
    const eta = wrapper.find('[data-test=run-eta]').text();
    expect(eta).toMatch(/min/);
    client.emit('runs.stageProgress', { project: PROJECT, runId: 'r2', stageIdx: 1, stage: 'source', status: 'completed', step: 60, totalSteps: 60, etaSeconds: null, runEtaSeconds: null });
    client.emit('runs.stageProgress', { project: PROJECT, runId: 'r2', stageIdx: 2, stage: 'finetune', status: 'running', step: 0, totalSteps: 500, etaSeconds: null, runEtaSeconds: null });
    current = { ...current, status: 'completed', stages: stages.map((st) => ({ ...st, status: 'completed', doneSteps: st.totalSteps, seconds: 9 })) } as unknown as RunDetail;
    client.emit('runs.status', { project: PROJECT, runId: 'r2', status: 'completed', error: null });
    await flushPromises();
    const log = wrapper.find('[data-test=log]').text();
    expect(log).toContain('stage source completed at 60 / 60');
    expect(log).toContain('stage finetune started (500 steps)');
    expect(log).toContain('run completed');
    await vi.waitFor(() => expect(wrapper.find('[data-test=run-status]').text()).toBe('completed'), { timeout: 10_000 });
    expect(wrapper.find('[data-test=engine-status]').text()).toContain('Engine ready');
    // once the run is read again: its own last stage and step
    await vi.waitFor(() => expect(wrapper.find('[data-test=tile-stage]').text()).toContain('finetune'), { timeout: 10_000 });
    expect(wrapper.find('[data-test=step]').text()).toBe('500 / 500');
    wrapper.unmount();
  });
});
