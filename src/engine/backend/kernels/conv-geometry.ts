/** Convolution geometry shared by the training kernels, derived from tfjs's own conv info. */
import * as tf from '@tensorflow/tfjs-core';

/** Every size a convolution gradient needs, NHWC, with resolved padding. */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilH: number;
  dilW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  /** depthwise channel multiplier (1 for regular convolutions) */
  multiplier: number;
}

type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/** Resolves strides, padding and dilations for an NHWC conv of `inShape` by a filter of `filterShape`. */
export function convGeometry(
  inShape: number[],
  filterShape: number[],
  attrs: {
    strides: number | [number, number];
    pad: PadAttr;
    dilations?: number | [number, number];
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    dataFormat?: string;
  },
  depthwise: boolean,
): ConvGeometry {
  if (attrs.dataFormat === 'NCHW' || attrs.dataFormat === 'channelsFirst') {
    throw new Error('wasm training kernels support NHWC (channelsLast) only');
  }
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    dilH: info.dilationHeight,
    dilW: info.dilationWidth,
    padTop: info.padInfo.top,
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right,
    multiplier: depthwise ? filterShape[3] : 1,
  };
}

/** First and one-past-last output column whose input column `o*stride + k*dil - pad` lies inside [0, inSize). */
export function validRange(outSize: number, inSize: number, stride: number, offset: number): [number, number] {
  // input index = o * stride + offset, offset = k * dil - pad
  const lo = offset >= 0 ? 0 : Math.ceil(-offset / stride);
  const hi = Math.min(outSize, Math.floor((inSize - 1 - offset) / stride) + 1);
  return [Math.min(lo, outSize), Math.max(hi, Math.min(lo, outSize))];
}
