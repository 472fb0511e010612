import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { nextTick } from 'vue';
import MetricChart from '../../src/renderer/src/components/MetricChart.vue';
import ConfusionMatrix from '../../src/renderer/src/components/ConfusionMatrix.vue';
import type { Point } from '../../src/renderer/src/charts/series';

const frame = () => new Promise((r) => setTimeout(r, 40));

describe('MetricChart', () => {
  it('draws the lines and redraws only when the version changes, growing in place', async () => {
    const pts: Point[] = [[0, 1], [1, 0.9]];
    const wrapper = mount(MetricChart, {
      props: { title: 'Loss', lines: () => [{ name: 'train', points: pts }], version: 0, renderer: 'svg' },
      attachTo: document.body,
    });
    await frame();
    const chart = wrapper.vm as unknown as { updates: number };
    const el = wrapper.find('[data-test=chart]');
    expect(el.attributes('data-points')).toBe('2');
    expect(wrapper.find('svg').exists()).toBe(true);
    const before = chart.updates;
    for (let i = 2; i < 3000; i++) pts.push([i, 1 / (i + 1)]);
    await frame();
    expect(chart.updates).toBe(before);
    await wrapper.setProps({ version: 1 });
    await frame();
    expect(chart.updates).toBe(before + 1);
    expect(wrapper.find('[data-test=chart]').attributes('data-points')).toBe('3000');
    await wrapper.setProps({ version: 2 });
    await wrapper.setProps({ version: 3 });
    await frame();
    // two bumps within one frame → one redraw
    expect(chart.updates).toBe(before + 2);
    wrapper.unmount();
  });

  it('draws train over a dashed validation line of another colour, with validation\'s few points marked', async () => {
    // the monitor's order: validation given after train, but train has the higher z; 60 train
    // steps (too many for symbols) and one validation point per 20 steps, lying on the train line
    const train: Point[] = Array.from({ length: 60 }, (_, i) => [i, 1 - i / 100]);
    const val: Point[] = [train[19], train[39], train[59]];
    const wrapper = mount(MetricChart, {
      props: { title: 'Loss', lines: () => [{ name: 'train', points: train, z: 4 }, { name: 'validation', points: val, dashed: true, z: 3, marks: true }], version: 0, renderer: 'svg' },
      attachTo: document.body,
    });
    await frame();
    // the data lines, in painting order (a later one lies on top)
    const lines = wrapper.findAll('svg g[clip-path] path').map((p) => ({ stroke: p.attributes('stroke'), dashed: !!p.attributes('stroke-dasharray') }));
    expect(lines).toHaveLength(2);
    expect(lines[0].dashed).toBe(true);
    expect(lines[1].dashed).toBe(false);
    expect(lines[1].stroke).not.toBe(lines[0].stroke);
    // every validation point is a large diamond in its colour (ECharts scales a unit diamond)
    const diamonds = wrapper.findAll('svg > g > path').filter((p) => p.attributes('d') === 'M0 -1L1 0L0 1L-1 0Z' && p.attributes('fill') === lines[0].stroke && p.attributes('transform')?.startsWith('matrix(5,'));
    expect(diamonds).toHaveLength(3);
    wrapper.unmount();
  });

  it('says so when there is nothing to draw', async () => {
    const wrapper = mount(MetricChart, { props: { title: 'kNN', lines: () => [], version: 0, renderer: 'svg' }, attachTo: document.body });
    await frame();
    expect(wrapper.text()).toContain('No points yet');
    wrapper.unmount();
  });
});

describe('ConfusionMatrix', () => {
  it('renders counts and emits the clicked cell', async () => {
    const wrapper = mount(ConfusionMatrix, { props: { matrix: [[5, 1], [2, 7]], classNames: ['cat', 'dog'] } });
    expect(wrapper.findAll('.cm-cell').map((c) => c.text())).toEqual(['5', '1', '2', '7']);
    await wrapper.find('[data-test=cm-cell-1-0]').trigger('click');
    await nextTick();
    expect(wrapper.emitted('cell')).toEqual([[1, 0]]);
    expect(wrapper.find('[data-test=cm-cell-1-0]').attributes('aria-label')).toBe('2 images of dog predicted as cat');
  });
});
