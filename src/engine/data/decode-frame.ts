/**
 * One image to one square RGB frame with sharp: the decode step shared by the cache builder
 * and its decoder processes (decode-worker.ts).
 */
import sharp from 'sharp';

/** How a non-square image becomes a square frame. */
export type CacheFit = 'cover' | 'fill' | 'contain';

/** Where an image's pixels come from: a file, a file's bytes already read, or raw pixels (IDX datasets). */
export type FrameSource =
  | { kind: 'file'; absPath: string }
  | { kind: 'encoded'; data: Buffer }
  | { kind: 'pixels'; data: Uint8Array; width: number; height: number; channels: 1 | 3 | 4 };

/** What every frame of one cache looks like. */
export interface FrameSpec {
  resolution: number;
  fit: CacheFit;
  /** decompression-bomb guard: images with more pixels are refused */
  maxPixels: number;
  /** resampling kernel ('linear': antialiased bilinear, as PIL/torchvision's default) */
  kernel: 'nearest' | 'linear' | 'cubic' | 'lanczos3';
}

/** Decodes one image to a resolution×resolution×3 uint8 frame; throws with a clear reason. */
export async function decodeFrame(source: FrameSource, spec: FrameSpec): Promise<Buffer> {
  const { resolution, fit, maxPixels, kernel } = spec;
  let img: sharp.Sharp;
  if (source.kind === 'file' || source.kind === 'encoded') {
    img = sharp(source.kind === 'file' ? source.absPath : source.data, { limitInputPixels: maxPixels, failOn: 'truncated' }).rotate();
  } else {
    const { data, width, height, channels } = source;
    if (data.length !== width * height * channels) throw new Error(`pixel buffer has ${data.length} bytes, expected ${width}×${height}×${channels}`);
    img = sharp(data, { raw: { width, height, channels } });
  }
  const { data, info } = await img
    .flatten({ background: '#ffffff' })
    .resize(resolution, resolution, { fit, background: '#000000', kernel })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== resolution || info.height !== resolution) {
    throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}, expected ${resolution}×${resolution}×3`);
  }
  return data;
}
