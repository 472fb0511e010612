import { describe, expect, it } from 'vitest';
import { isAllowedUrl } from '../../src/main/privacy';

describe('privacy guard of the Electron session', () => {
  it('allows the app files and loopback only', () => {
    for (const ok of ['file:///opt/attune/out/renderer/index.html', 'http://127.0.0.1:5173/', 'http://localhost:5173/src/main.ts', 'ws://[::1]:9000/ws', 'data:image/png;base64,AA', 'devtools://devtools/bundled/x.html']) {
      expect(isAllowedUrl(ok), ok).toBe(true);
    }
    for (const bad of ['https://example.com/model.bin', 'http://192.168.1.10/', 'http://127.0.0.1.evil.com/', 'ftp://localhost/x', 'not a url', 'https://localhost.example.org/']) {
      expect(isAllowedUrl(bad), bad).toBe(false);
    }
  });
});
