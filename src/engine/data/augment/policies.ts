/**
 * Augmentation policies as data: one ViewPolicy per view. The BYOL pair is asymmetric
 * (Grill et al. 2020, table 6: blur always on view 1, rarely on view 2; solarize only on
 * view 2); MoCo v2 is the policy HPT uses (Reed et al. 2021); crop-only is the
 * conservative fallback for a new domain.
 */

export interface JitterSpec {
  /** probability the jitter is applied to a sample */
  p: number;
  /** factors drawn uniformly in [1−x, 1+x] */
  brightness: number;
  contrast: number;
  saturation: number;
  /** hue shift drawn in [−x, x] of a full turn (x ≤ 0.5) */
  hue: number;
}

export interface ViewPolicy {
  name: string;
  /** random resized crop: area fraction range and log-uniform aspect ratio range */
  crop: { scale: [number, number]; ratio: [number, number] };
  flipP: number;
  jitter: JitterSpec | null;
  grayscaleP: number;
  /** Gaussian blur; sigma in pixels of a 224-px image, scaled to the output size */
  blur: { p: number; sigma: [number, number] } | null;
  solarizeP: number;
}

const RATIO: [number, number] = [3 / 4, 4 / 3];

/** BYOL view 1: blur always, no solarize. */
export const BYOL_VIEW1: ViewPolicy = {
  name: 'byol-view1',
  crop: { scale: [0.08, 1], ratio: RATIO },
  flipP: 0.5,
  jitter: { p: 0.8, brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 },
  grayscaleP: 0.2,
  blur: { p: 1.0, sigma: [0.1, 2.0] },
  solarizeP: 0,
};

/** BYOL view 2: blur rarely, solarize sometimes. */
export const BYOL_VIEW2: ViewPolicy = { ...BYOL_VIEW1, name: 'byol-view2', blur: { p: 0.1, sigma: [0.1, 2.0] }, solarizeP: 0.2 };

/** MoCo v2 (HPT's default): crop 0.2–1, jitter (0.4, 0.4, 0.4, 0.1) p=0.8, grey p=0.2, blur p=0.5, flip. */
export const MOCO_V2: ViewPolicy = {
  name: 'moco-v2',
  crop: { scale: [0.2, 1], ratio: RATIO },
  flipP: 0.5,
  jitter: { p: 0.8, brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 },
  grayscaleP: 0.2,
  blur: { p: 0.5, sigma: [0.1, 2.0] },
  solarizeP: 0,
};

/** Crop and flip only: the conservative policy when colour carries meaning in the new domain. */
export const CROP_ONLY: ViewPolicy = {
  name: 'crop-only',
  crop: { scale: [0.2, 1], ratio: RATIO },
  flipP: 0.5,
  jitter: null,
  grayscaleP: 0,
  blur: null,
  solarizeP: 0,
};

/**
 * For small grey images (Fashion-MNIST-like, scans, X-rays): crops of 25–100 % of the area,
 * flips, brightness and contrast jitter. No hue, saturation or greyscale (the images are grey
 * already) and no blur (it erases what little detail a 28-px image has). The study's policy.
 */
export const GREY: ViewPolicy = {
  ...CROP_ONLY,
  name: 'grey',
  crop: { scale: [0.25, 1], ratio: RATIO },
  jitter: { p: 0.8, brightness: 0.4, contrast: 0.4, saturation: 0, hue: 0 },
};

/** No augmentation: the whole frame, resized (evaluation, feature extraction). */
export const CENTER: ViewPolicy = { name: 'center', crop: { scale: [1, 1], ratio: [1, 1] }, flipP: 0, jitter: null, grayscaleP: 0, blur: null, solarizeP: 0 };

/** The views of each named pipeline. */
export const VIEW_PIPELINES: Record<string, ViewPolicy[]> = {
  byol: [BYOL_VIEW1, BYOL_VIEW2],
  'moco-v2': [MOCO_V2, MOCO_V2],
  'crop-only': [CROP_ONLY, CROP_ONLY],
  grey: [GREY, GREY],
  center: [CENTER],
};

/** Checks a policy's ranges, naming the field at fault. */
export function validatePolicy(p: ViewPolicy): void {
  const bad = (what: string) => { throw new Error(`augmentation policy "${p.name}": ${what}`); };
  const [s0, s1] = p.crop.scale;
  if (!(s0 > 0 && s0 <= s1 && s1 <= 1)) bad(`crop.scale must satisfy 0 < min ≤ max ≤ 1, got [${s0}, ${s1}]`);
  const [r0, r1] = p.crop.ratio;
  if (!(r0 > 0 && r0 <= r1)) bad(`crop.ratio must satisfy 0 < min ≤ max, got [${r0}, ${r1}]`);
  for (const [k, v] of [['flipP', p.flipP], ['grayscaleP', p.grayscaleP], ['solarizeP', p.solarizeP], ['jitter.p', p.jitter?.p ?? 0], ['blur.p', p.blur?.p ?? 0]] as const) {
    if (!(v >= 0 && v <= 1)) bad(`${k} must be a probability, got ${v}`);
  }
  if (p.jitter && !(p.jitter.hue >= 0 && p.jitter.hue <= 0.5)) bad(`jitter.hue must be in [0, 0.5], got ${p.jitter.hue}`);
  if (p.jitter && [p.jitter.brightness, p.jitter.contrast, p.jitter.saturation].some((v) => !(v >= 0 && v < 1))) bad('jitter brightness/contrast/saturation must be in [0, 1)');
  if (p.blur && !(p.blur.sigma[0] > 0 && p.blur.sigma[0] <= p.blur.sigma[1])) bad(`blur.sigma must satisfy 0 < min ≤ max, got [${p.blur.sigma}]`);
}
