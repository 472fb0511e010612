/**
 * Per-sample random parameters of one view, drawn on the JavaScript side from a seeded
 * generator (so a seed repeats exactly on every backend), as flat arrays the tensor ops take.
 */
import type { SeededRandom } from '../../train/seed';
import type { ViewPolicy } from './policies';

export interface ViewParams {
  /** crop boxes [y1, x1, y2, x2] in normalised coordinates; x1 > x2 means flipped */
  boxes: Float32Array;
  brightness: Float32Array;
  contrast: Float32Array;
  saturation: Float32Array;
  /** hue shift in turns */
  hue: Float32Array;
  /** 1 = convert to grey */
  grayscale: Float32Array;
  /** blur sigma in output pixels, 0 = no blur */
  blurSigma: Float32Array;
  /** 1 = solarize */
  solarize: Float32Array;
}

/**
 * Keeps a box coordinate a hair inside [0, 1]: at exactly 0 or 1, float rounding in
 * crop-and-resize can land a sample just outside the image, where backends disagree
 * (extrapolation value vs edge pixel).
 */
const insetEdge = (v: number) => Math.min(1 - 1e-5, Math.max(1e-5, v));

const uniform = (rng: SeededRandom, lo: number, hi: number) => lo + (hi - lo) * rng.next();

/**
 * Random resized crop box (the torchvision rule): up to 10 tries of an area fraction in
 * `scale` and a log-uniform aspect ratio in `ratio`; else a centre crop clamped to the ratio.
 * Returns [top, left, height, width] in pixels.
 */
export function sampleCropBox(rng: SeededRandom, height: number, width: number, scale: [number, number], ratio: [number, number]): [number, number, number, number] {
  const area = height * width;
  const logR = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * uniform(rng, scale[0], scale[1]);
    const aspect = Math.exp(uniform(rng, logR[0], logR[1]));
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      return [rng.int(height - h + 1), rng.int(width - w + 1), h, w];
    }
  }
  const inRatio = width / height;
  let w = width, h = height;
  if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
  return [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w];
}

/** Draws every random choice of one view for a batch of `n` frames of height×width, output `outSize`. */
export function sampleViewParams(policy: ViewPolicy, n: number, height: number, width: number, outSize: number, rng: SeededRandom): ViewParams {
  const p: ViewParams = {
    boxes: new Float32Array(n * 4),
    brightness: new Float32Array(n).fill(1),
    contrast: new Float32Array(n).fill(1),
    saturation: new Float32Array(n).fill(1),
    hue: new Float32Array(n),
    grayscale: new Float32Array(n),
    blurSigma: new Float32Array(n),
    solarize: new Float32Array(n),
  };
  const ny = Math.max(1, height - 1), nx = Math.max(1, width - 1);
  for (let i = 0; i < n; i++) {
    const [top, left, h, w] = sampleCropBox(rng, height, width, policy.crop.scale, policy.crop.ratio);
    let x1 = left / nx, x2 = (left + w - 1) / nx;
    if (rng.next() < policy.flipP) [x1, x2] = [x2, x1];
    p.boxes.set([insetEdge(top / ny), insetEdge(x1), insetEdge((top + h - 1) / ny), insetEdge(x2)], i * 4);
    const j = policy.jitter;
    if (j && rng.next() < j.p) {
      p.brightness[i] = uniform(rng, 1 - j.brightness, 1 + j.brightness);
      p.contrast[i] = uniform(rng, 1 - j.contrast, 1 + j.contrast);
      p.saturation[i] = uniform(rng, 1 - j.saturation, 1 + j.saturation);
      p.hue[i] = uniform(rng, -j.hue, j.hue);
    }
    if (rng.next() < policy.grayscaleP) p.grayscale[i] = 1;
    if (policy.blur && rng.next() < policy.blur.p) p.blurSigma[i] = uniform(rng, policy.blur.sigma[0], policy.blur.sigma[1]) * (outSize / 224);
    if (rng.next() < policy.solarizeP) p.solarize[i] = 1;
  }
  return p;
}

/** Draws a Gamma(shape, 1) variate (Marsaglia–Tsang), for Beta sampling. */
export function sampleGamma(rng: SeededRandom, shape: number): number {
  if (shape < 1) return sampleGamma(rng, shape + 1) * Math.pow(Math.max(rng.next(), 1e-12), 1 / shape);
  const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      // Box–Muller normal
      x = Math.sqrt(-2 * Math.log(Math.max(rng.next(), 1e-12))) * Math.cos(2 * Math.PI * rng.next());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(Math.max(u, 1e-12)) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Draws Beta(a, b). */
export function sampleBeta(rng: SeededRandom, a: number, b: number): number {
  const x = sampleGamma(rng, a), y = sampleGamma(rng, b);
  return x / (x + y);
}
