/** A scrolling box (a log) that keeps its newest lines in view, until the reader scrolls up to read older ones. */
import { nextTick, onBeforeUnmount, watch, type Ref } from 'vue';

/** Within this many pixels of the bottom counts as "at the end". */
const SLACK = 4;

/** True when the box shows its last line (or has nothing to scroll). */
export function atEnd(el: Pick<HTMLElement, 'scrollTop' | 'scrollHeight' | 'clientHeight'>): boolean {
  return el.scrollHeight - el.scrollTop - el.clientHeight <= SLACK;
}

/**
 * Scrolls `box` to its end whenever `grows` changes (e.g. the number of log lines), as long as
 * the reader was at the end before; scrolling up stops this, scrolling back down resumes it.
 */
export function useFollowEnd(box: Ref<HTMLElement | null>, grows: () => unknown): void {
  let following = true;
  const onScroll = () => {
    if (box.value) following = atEnd(box.value);
  };
  watch(
    box,
    (el, old) => {
      old?.removeEventListener('scroll', onScroll);
      el?.addEventListener('scroll', onScroll, { passive: true });
      following = true;
    },
    { immediate: true },
  );
  watch(
    grows,
    async () => {
      if (!following) return;
      await nextTick();
      const el = box.value;
      if (el) el.scrollTop = el.scrollHeight;
    },
    { flush: 'post', immediate: true },
  );
  onBeforeUnmount(() => box.value?.removeEventListener('scroll', onScroll));
}
