import { attr } from '../graph-builder.js';
import { type Converter, inputOf, outputOf } from './types.js';

/**
 * tfjs's resizes as ONNX Resize to the traced size. The coordinate conventions map one
 * to one: align corners, TensorFlow's half-pixel centres (for nearest, ONNX's
 * tf_half_pixel_for_nn) and the plain asymmetric scale; nearest rounds down except
 * with aligned corners, where tfjs rounds half up.
 */
function resize(mode: 'nearest' | 'linear'): Converter {
  return (b, k) => {
    const images = inputOf(k, 'images');
    const out = outputOf(k);
    const alignCorners = Boolean(k.attrs.alignCorners);
    const halfPixel = Boolean(k.attrs.halfPixelCenters);
    const coordinates = alignCorners
      ? 'align_corners'
      : halfPixel
        ? mode === 'nearest'
          ? 'tf_half_pixel_for_nn'
          : 'half_pixel'
        : 'asymmetric';
    const [n, h, w, c] = out.shape as [number, number, number, number];
    b.emit(out, 'nchw', 'Resize', [b.input(images, 'nchw'), '', '', b.int64([n, c, h, w])], {
      mode: attr.string(mode),
      coordinate_transformation_mode: attr.string(coordinates),
      ...(mode === 'nearest'
        ? { nearest_mode: attr.string(alignCorners ? 'round_prefer_ceil' : 'floor') }
        : {}),
    });
  };
}

export const resizeConverters = {
  ResizeNearestNeighbor: resize('nearest'),
  ResizeBilinear: resize('linear'),
} satisfies Record<string, Converter>;
