/**
 * A decoder process of the DecodePool (started with child_process.fork, one libuv thread):
 * decodes the files it is sent with sharp, one at a time and in the order received, writes
 * each frame into the cache file at the offset it was given, and answers with the frame's
 * channel-value counts or the reason it failed. It has no state worth keeping and exits when
 * its parent goes away.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import sharp from 'sharp';
import { countChannelValues } from './channel-stats';
import { decodeFrame, type FrameSource } from './decode-frame';
import type { DecodeJob, DecodeReply } from './decode-pool';

// each file is decoded once: libvips' operation cache only costs time here (≈6 % per file)
sharp.cache(false);

const queue: DecodeJob[] = [];
/** decodes started and not finished: two, so this thread writes and counts one frame while
 *  libuv's one thread decodes the next (it still decodes one file at a time) */
let started = 0;

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

/** Starts decoding one job's file. */
function decode(job: DecodeJob): Promise<Buffer> {
  // from memory: libvips then skips opening the file once per loader it tries (an empty or
  // unreadable file goes by path, so its reason reads as it does in-process)
  const bytes = readable(job.path);
  const source: FrameSource = bytes?.length ? { kind: 'encoded', data: bytes } : { kind: 'file', absPath: job.path };
  return decodeFrame(source, job.spec);
}

/** Writes a decoded frame into its slot; returns its channel-value counts. */
function store(job: DecodeJob, frame: Buffer): Uint32Array {
  const fd = openSync(job.out.file, 'r+');
  try {
    writeSync(fd, frame, 0, frame.length, job.out.offset);
  } finally {
    closeSync(fd);
  }
  return countChannelValues(frame, new Uint32Array(768));
}

function pump(): void {
  while (started < 2 && queue.length) {
    const job = queue.shift()!;
    started++;
    decode(job)
      .then(
        (frame) => {
          try {
            reply({ id: job.id, counts: store(job, frame) });
          } catch (e) {
            reply({ id: job.id, error: `cannot write the frame into ${job.out.file}: ${(e as Error).message}`, write: true });
          }
        },
        (e: Error) => reply({ id: job.id, error: e.message }),
      )
      .finally(() => {
        started--;
        pump();
      });
  }
}

process.on('message', (job: DecodeJob) => {
  queue.push(job);
  pump();
});
process.on('disconnect', () => process.exit(0));

// warm up on a small image (≈50 ms): libvips' one-time set-up and the compiled JavaScript of
// the decode path are then not paid by the first real files
const probe = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } }).jpeg().toBuffer();
for (let i = 0; i < 100; i++) await decodeFrame({ kind: 'encoded', data: probe }, { resolution: 32, fit: 'cover', maxPixels: 1 << 20, kernel: 'linear' });
reply({ ready: process.pid });
