/**
 * Tiny widths for every registry architecture, for tests that must cover them all: the same
 * blocks (basic, bottleneck, pre-activation GroupNorm + weight standardisation, MBConv) at a
 * fraction of the channels. `shallow` also cuts every stage to one block. A new architecture
 * family fails here until it has an entry.
 */
export function tinyConfig(arch: string, shallow: boolean): Record<string, unknown> {
  if (arch === 'small-resnet') return { widths: [4, 8], blocks: 1 };
  if (arch.startsWith('resnet')) return { width: 4, ...(shallow ? { layers: [1, 1, 1, 1] } : {}) };
  if (arch.startsWith('bit-')) return { widthFactor: 0.0625, groups: 2, ...(shallow ? { layers: [1, 1, 1, 1] } : {}) };
  if (arch.startsWith('efficientnet-')) return { widthMult: 0.1, ...(shallow ? { depthMult: 0.1 } : {}) };
  throw new Error(`no tiny config for ${arch}; add one in test/engine/models/tiny-configs.ts`);
}
