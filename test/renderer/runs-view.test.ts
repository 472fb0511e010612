import { beforeEach, describe, expect, it } from 'vitest';
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
    expect(wrapper.find('[data-test=memory]').text()).toContain('300 MB');
    expect(wrapper.find('[data-test=chart-loss] [data-test=chart]').attributes('data-points')).toBe('3');
    await wrapper.findAll('button').find((b) => b.text() === 'Resume')!.trigger('click');
    await flushPromises();
    expect(client.calls.some((c) => c.method === 'runs.resume')).toBe(true);
    wrapper.unmount();
  });
});
