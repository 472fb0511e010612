/** The run log keeps its newest line in view unless the reader scrolled up. */
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { defineComponent, h, nextTick, ref } from 'vue';
import { atEnd, useFollowEnd } from '../../src/renderer/src/composables/followEnd';

/** A box of `lines` lines, 20 px each, 100 px tall (happy-dom lays nothing out: the sizes are given). */
function logBox(lines: { value: number }) {
  return defineComponent({
    setup() {
      const box = ref<HTMLElement | null>(null);
      useFollowEnd(box, () => lines.value);
      return () =>
        h('pre', {
          ref: (el) => {
            const e = el as HTMLElement | null;
            if (e && !Object.getOwnPropertyDescriptor(e, 'scrollHeight')) {
              Object.defineProperty(e, 'scrollHeight', { get: () => lines.value * 20 });
              Object.defineProperty(e, 'clientHeight', { get: () => 100 });
              let top = 0;
              Object.defineProperty(e, 'scrollTop', { get: () => top, set: (v: number) => (top = Math.max(0, Math.min(v, lines.value * 20 - 100))) });
            }
            box.value = e;
          },
        }, 'log');
    },
  });
}

describe('useFollowEnd', () => {
  it('says whether a box shows its end', () => {
    expect(atEnd({ scrollTop: 0, scrollHeight: 100, clientHeight: 100 })).toBe(true);
    expect(atEnd({ scrollTop: 0, scrollHeight: 300, clientHeight: 100 })).toBe(false);
    expect(atEnd({ scrollTop: 198, scrollHeight: 300, clientHeight: 100 })).toBe(true);
  });

  it('follows new lines to the end, stops when the reader scrolls up, resumes at the end', async () => {
    const lines = ref(3);
    const wrapper = mount(logBox(lines), { attachTo: document.body });
    const el = wrapper.element as HTMLElement;
    const grow = async (n: number) => {
      lines.value = n;
      await nextTick();
      await nextTick();
    };
    await grow(20); // 400 px of lines in a 100 px box: shows the last 100 px
    expect(el.scrollTop).toBe(300);
    el.scrollTop = 40; // the reader scrolls up to read older lines
    el.dispatchEvent(new Event('scroll'));
    await grow(25);
    expect(el.scrollTop).toBe(40);
    el.scrollTop = 400; // back down to the end
    el.dispatchEvent(new Event('scroll'));
    await grow(30);
    expect(el.scrollTop).toBe(500);
    wrapper.unmount();
  });
});
