/** Which URLs the Electron session may load: the app's own files, devtools and loopback only. */

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** True for file:, devtools:, data:/blob: and http(s)/ws(s) to a loopback host; false for anything else. */
export function isAllowedUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (['file:', 'devtools:', 'data:', 'blob:', 'chrome-extension:'].includes(url.protocol)) return true;
  if (['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) return LOOPBACK.has(url.hostname);
  return false;
}
