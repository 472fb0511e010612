/** IDX refusals name the file and the format expected, never values read from its bytes (issue 16, item 8). */
import { describe, expect, it } from 'vitest';
import { parseIdx } from '../../../src/engine/data/idx';

const header = (type: number, nd: number, dims: number[]) => {
  const buf = new Uint8Array(4 + 4 * dims.length);
  buf.set([0, 0, type, nd]);
  const view = new DataView(buf.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return buf;
};

describe('IDX errors', () => {
  it('refuse a wrong type, dimension count or size without quoting the header', () => {
    const cases: [Uint8Array, RegExp, string[]][] = [
      [header(0x0d, 3, [1, 2, 2]), /not unsigned-byte IDX data/, ['0xd', '13']],
      [header(0x08, 9, []), /1 to 4 dimensions/, ['9']],
      [header(0x08, 3, [123457, 28, 28]), /truncated \(the file is shorter than its header says\)/, ['123457', String(123457 * 28 * 28)]],
    ];
    for (const [buf, message, absent] of cases) {
      let text = '';
      try {
        parseIdx(buf, 'f.idx');
      } catch (e) {
        text = (e as Error).message;
      }
      expect(text).toMatch(message);
      expect(text.startsWith('f.idx: ')).toBe(true);
      for (const a of absent) expect(text).not.toContain(a);
    }
  });
});
