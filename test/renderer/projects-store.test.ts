import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { mount } from '@vue/test-utils';
import { createRouter, createMemoryHistory } from 'vue-router';
import { createDispatcher } from '../../src/main/dispatch';
import type { AttuneClient } from '../../src/shared/api';
import type { Handlers } from '../../src/shared/api';
import { setApi } from '../../src/renderer/src/api/client';
import { useProjectsStore } from '../../src/renderer/src/stores/projects';
import StartView from '../../src/renderer/src/views/StartView.vue';

/** A client backed by the real dispatcher over in-memory handlers (validation included). */
function clientWith(handlers: Partial<Handlers>): AttuneClient {
  const dispatch = createDispatcher(handlers as Handlers);
  return {
    async request(method, input) {
      const r = await dispatch(method, input);
      if (r.ok) return r.value as never;
      throw Object.assign(new Error(r.error.message), { code: r.error.code });
    },
    on: () => () => {},
  };
}

const summary = (name: string, folder: string) => ({ id: '1', name, folder, createdAt: '2026-01-01T00:00:00Z', schemaVersion: 1, datasets: 0, runs: 0 });

describe('projects store and Start view', () => {
  let recent: { name: string; folder: string; openedAt: string; available: boolean }[];
  beforeEach(() => {
    recent = [];
    setActivePinia(createPinia());
    setApi(
      clientWith({
        'projects.recent': async () => recent,
        'projects.create': async ({ name, folder }) => {
          recent.unshift({ name, folder, openedAt: new Date().toISOString(), available: true });
          return summary(name, folder);
        },
        'projects.open': async ({ folder }) => {
          throw Object.assign(new Error(`${folder} is not an Attune project: it has no attune.sqlite.`), { code: 'not_a_project' });
        },
      }),
    );
  });

  it('creates a project, makes it current and refreshes the recent list', async () => {
    const store = useProjectsStore();
    await store.create('Leaves', '/data/leaves');
    expect(store.current?.name).toBe('Leaves');
    expect(store.recent.map((r) => r.name)).toEqual(['Leaves']);
    expect(store.error).toBeNull();
  });

  it('keeps the error message of a failed open for the view', async () => {
    const store = useProjectsStore();
    await store.open('/tmp');
    expect(store.current).toBeNull();
    expect(store.error).toMatch(/not an Attune project/);
  });

  it('renders recent projects and the create form', async () => {
    recent.push({ name: 'Old project', folder: '/data/old', openedAt: new Date().toISOString(), available: false });
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: StartView }, { path: '/project', component: StartView }] });
    const wrapper = mount(StartView, { global: { plugins: [router] } });
    await new Promise((r) => setTimeout(r, 10));
    expect(wrapper.text()).toContain('Old project');
    expect(wrapper.text()).toContain('missing');
    expect(wrapper.find('[data-test=create-project]').exists()).toBe(true);
  });
});
