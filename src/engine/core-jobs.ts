/** Jobs every engine has: liveness and the backend report. */
import { registerJob } from './jobs';

registerJob('ping', async () => ({ pid: process.pid, uptime: process.uptime() }));

registerJob('doctor', async () => {
  const { initBackend } = await import('./backend/index');
  return { ...(await initBackend()) };
});

/** Sleeps, reporting progress; used to test cancellation and crash handling end to end. */
registerJob('sleep', async (params, ctx) => {
  const ms = Math.min(Number(params?.ms ?? 100), 60_000);
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (ctx.signal.aborted) throw Object.assign(new Error('cancelled'), { code: 'cancelled', message: 'cancelled' });
    ctx.emit('progress', { done: Date.now() - start, total: ms });
    await new Promise((r) => setTimeout(r, Math.min(50, ms)));
  }
  return { slept: ms };
});
