/**
 * A decoder process of the DecodePool (started with child_process.fork): decodes the files it
 * is sent with sharp, one at a time and in the order received, writes each frame into the
 * cache file at the offset it was given, and answers with the frame's channel-value counts or
 * the reason it failed. It has no state worth keeping and exits when its parent goes away.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import sharp from 'sharp';
import { countChannelValues } from './channel-stats';
import { decodeFrame, type FrameSource } from './decode-frame';
import type { DecodeJob, DecodeReply } from './decode-pool';

const queue: DecodeJob[] = [];
let busy = false;

function reply(message: DecodeReply): void {
  if (process.connected) process.send!(message);
}

function readable(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

/** Decodes one job and writes its frame; returns the frame's channel-value counts. */
async function run(job: DecodeJob): Promise<Uint32Array> {
  // from memory: libvips then skips opening the file once per loader it tries (an empty or
  // unreadable file goes by path, so its reason reads as it does in-process)
  const bytes = readable(job.path);
  const source: FrameSource = bytes?.length ? { kind: 'encoded', data: bytes, path: job.path } : { kind: 'file', absPath: job.path };
  const frame = await decodeFrame(source, job.spec);
  const fd = openSync(job.out.file, 'r+');
  try {
    writeSync(fd, frame, 0, frame.length, job.out.offset);
  } finally {
    closeSync(fd);
  }
  return countChannelValues(frame, new Uint32Array(768));
}

async function drain(): Promise<void> {
  busy = true;
  while (queue.length) {
    const job = queue.shift()!;
    try {
      reply({ id: job.id, counts: await run(job) });
    } catch (e) {
      reply({ id: job.id, error: (e as Error).message });
    }
  }
  busy = false;
}

process.on('message', (job: DecodeJob) => {
  queue.push(job);
  if (!busy) void drain();
});
process.on('disconnect', () => process.exit(0));

// one small decode first, so libvips' one-time set-up is not paid by the first real file
const probe = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } }).jpeg().toBuffer();
await decodeFrame({ kind: 'encoded', data: probe, path: 'warm-up' }, { resolution: 8, fit: 'cover', maxPixels: 1024, kernel: 'linear' });
reply({ ready: process.pid });
