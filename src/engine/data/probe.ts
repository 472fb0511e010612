/**
 * Reads one image file: content hash, header facts (size, channels, format, depth, colour
 * space) and a cheap verification decode, turning every failure into a reason a person
 * can act on instead of an exception.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';

/** Default pixel limit: larger images are refused as possible decompression bombs. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

export interface ProbeResult {
  sha256: string;
  width: number;
  height: number;
  channels: number;
  format: string;
  bitDepth: number;
  hasAlpha: boolean;
  colorSpace: string;
  error: string | null;
}

export interface ProbeOptions {
  /** refuse images with more pixels than this (default 100 Mpx) */
  maxPixels?: number;
  /** decode the pixels (at reduced size) to catch truncated or corrupt data (default true) */
  verify?: boolean;
}

const EMPTY: Omit<ProbeResult, 'error'> = {
  sha256: '', width: 0, height: 0, channels: 0, format: '', bitDepth: 0, hasAlpha: false, colorSpace: '',
};

/** Sniffs the magic bytes of formats sharp cannot read, for a clearer message. */
export function sniffUnsupported(buf: Uint8Array): string | null {
  if (buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d) {
    return 'BMP is not supported (the decoder has no BMP loader); convert it to PNG';
  }
  return null;
}

const DEPTH_BITS: Record<string, number> = { uchar: 8, char: 8, ushort: 16, short: 16, uint: 32, int: 32, float: 32, double: 64 };

/** Turns a sharp/libvips error message into a short reason. */
export function explainDecodeError(message: string): string {
  const m = message.replace(/\s+/g, ' ').trim();
  if (/unsupported image format/i.test(m)) return 'not an image: the content is not a recognised image format';
  if (/premature end|truncated|end of (jpeg|file|stream)|unexpected end/i.test(m)) return `truncated or corrupt image data (${m})`;
  if (/pixel limit/i.test(m)) return `image too large: ${m}`;
  return `cannot decode: ${m}`;
}

/**
 * True when a JPEG lacks its end-of-image marker or a PNG its IEND chunk. libvips's own
 * message for truncation can get lost under concurrent decodes ("Unknown error"), so the
 * reason is also read off the bytes.
 */
export function looksTruncated(buf: Uint8Array, format: string): boolean {
  let end = buf.length;
  while (end > 0 && buf[end - 1] === 0) end--;
  if (format === 'jpeg') return !(end >= 2 && buf[end - 2] === 0xff && buf[end - 1] === 0xd9);
  if (format === 'png') return !(end >= 8 && String.fromCharCode(...buf.subarray(end - 8, end - 4)) === 'IEND');
  return false;
}

/** Decodes header facts and verifies the pixel data of an in-memory file. */
export async function probeBuffer(buf: Buffer, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (buf.length === 0) return { ...EMPTY, error: 'empty file (0 bytes)' };
  const sha256 = createHash('sha256').update(buf).digest('hex');
  const unsupported = sniffUnsupported(buf);
  if (unsupported) return { ...EMPTY, sha256, format: 'bmp', error: unsupported };
  let meta: sharp.Metadata;
  try {
    meta = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch (e) {
    return { ...EMPTY, sha256, error: explainDecodeError((e as Error).message) };
  }
  const facts: ProbeResult = {
    sha256,
    width: meta.width ?? 0,
    height: meta.height ?? 0,
    channels: meta.channels ?? 0,
    format: meta.format ?? '',
    bitDepth: meta.depth ? (DEPTH_BITS[meta.depth] ?? 8) : 8,
    hasAlpha: Boolean(meta.hasAlpha),
    colorSpace: meta.space ?? '',
    error: null,
  };
  if (meta.format === 'png' && meta.bitsPerSample) facts.bitDepth = meta.bitsPerSample;
  const pixels = facts.width * facts.height;
  if (pixels > maxPixels) {
    facts.error = `refused: ${facts.width}×${facts.height} = ${(pixels / 1e6).toFixed(0)} Mpx is above the ${(maxPixels / 1e6).toFixed(0)} Mpx limit (possible decompression bomb)`;
    return facts;
  }
  if (facts.width === 0 || facts.height === 0) {
    facts.error = 'image header has zero width or height';
    return facts;
  }
  if (opts.verify !== false) {
    try {
      // a small decode goes through all compressed data (JPEG shrink-on-load keeps it cheap)
      await sharp(buf, { failOn: 'truncated', limitInputPixels: maxPixels, animated: false })
        .resize(32, 32, { fit: 'fill', fastShrinkOnLoad: true })
        .raw()
        .toBuffer();
    } catch (e) {
      const reason = explainDecodeError((e as Error).message);
      facts.error = reason.startsWith('cannot decode') && looksTruncated(buf, facts.format)
        ? `truncated or corrupt image data (the ${facts.format.toUpperCase()} data ends early)`
        : reason;
    }
  }
  return facts;
}

/** Reads and probes a file; read failures (permission, missing) become the record's error. */
export async function probeFile(absPath: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  let buf: Buffer;
  try {
    buf = await readFile(absPath);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied'
      : err.code === 'ENOENT' ? 'file does not exist'
      : err.code === 'EISDIR' ? 'is a folder, not a file'
      : `cannot read: ${err.message}`;
    return { ...EMPTY, error: reason };
  }
  return probeBuffer(buf, opts);
}
