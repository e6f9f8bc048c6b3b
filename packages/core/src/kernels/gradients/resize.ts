import { tf } from '../../tfjs.js';
import { bilinearUpsamplingAdjoint, upsamplingFactor } from './bilinear-upsampling-adjoint.js';
import { type ResizeKind, resizeMatrix, sameMatrix } from './resize-maps.js';

interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
  size: [number, number];
}

const KERNELS: Record<ResizeKind, { forward: string; grad: string }> = {
  nearest: { forward: tf.ResizeNearestNeighbor, grad: tf.ResizeNearestNeighborGrad },
  bilinear: { forward: tf.ResizeBilinear, grad: tf.ResizeBilinearGrad },
};

function resize(kind: ResizeKind, x: tf.Tensor, size: [number, number], alignCorners: boolean) {
  const images = x as tf.Tensor4D;
  return kind === 'nearest'
    ? tf.image.resizeNearestNeighbor(images, size, alignCorners, false)
    : tf.image.resizeBilinear(images, size, alignCorners, false);
}

/**
 * The adjoint of a resize from its interpolation matrices: dy [N, OH, OW, C] is mapped
 * back along the width, then along the height, by two plain matrix products (any backend,
 * differentiable to any order). It costs O(OH * OW * (IH + IW) * C): used only where no
 * cheaper exact form is known.
 */
function adjointByMatrices(
  kind: ResizeKind,
  dy: tf.Tensor,
  inShape: number[],
  { alignCorners, halfPixelCenters }: ResizeAttrs,
): tf.Tensor {
  const [n, ih, iw, c] = inShape as [number, number, number, number];
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const rh = tf.tensor2d(resizeMatrix(kind, ih, oh, alignCorners, halfPixelCenters), [oh, ih]);
  const rw = tf.tensor2d(resizeMatrix(kind, iw, ow, alignCorners, halfPixelCenters), [ow, iw]);
  // [N, OH, OW, C] -> [OW, N*OH*C] -> (Rw^T) [IW, N*OH*C]
  const alongW = tf.matMul(rw, tf.reshape(tf.transpose(dy, [2, 0, 1, 3]), [ow, -1]), true);
  // [IW, N, OH, C] -> [OH, N*IW*C] -> (Rh^T) [IH, N*IW*C]
  const regrouped = tf.transpose(tf.reshape(alongW, [iw, n, oh, c]), [2, 1, 0, 3]);
  const alongH = tf.matMul(rh, tf.reshape(regrouped, [oh, -1]), true);
  return tf.transpose(tf.reshape(alongH, [ih, n, iw, c]), [1, 0, 2, 3]);
}

/** The integer factor by which `out` repeats `in` (output o reads input floor(o / factor)), or 0. */
function blockFactor(
  kind: ResizeKind,
  inSize: number,
  outSize: number,
  attrs: ResizeAttrs,
): number {
  if (kind !== 'nearest' || outSize % inSize !== 0) return 0;
  const factor = outSize / inSize;
  const block = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) block[o * inSize + Math.floor(o / factor)] = 1;
  const actual = resizeMatrix(kind, inSize, outSize, attrs.alignCorners, attrs.halfPixelCenters);
  return sameMatrix(actual, block) ? factor : 0;
}

/**
 * The adjoint of nearest upsampling by whole factors: each fh x fw block of dy summed,
 * which is average pooling over the blocks times their size (a fast kernel everywhere,
 * with gradients of every order here).
 */
function sumBlocks(dy: tf.Tensor, fh: number, fw: number): tf.Tensor {
  return tf.mul(tf.avgPool(dy as tf.Tensor4D, [fh, fw], [fh, fw], 'valid'), fh * fw);
}

/** True where the backends' gradient kernel (the adjoint of the resize without half-pixel centers) is exact. */
function nativeExact(kind: ResizeKind, inShape: number[], outShape: number[], attrs: ResizeAttrs) {
  if (!attrs.halfPixelCenters) return true;
  return [1, 2].every((axis) =>
    sameMatrix(
      resizeMatrix(kind, inShape[axis]!, outShape[axis]!, attrs.alignCorners, true),
      resizeMatrix(kind, inShape[axis]!, outShape[axis]!, attrs.alignCorners, false),
    ),
  );
}

/**
 * The resizes' gradients, each exact for tfjs's forward kernels:
 * - nearest upsampling by whole factors (the common x2): block sums of dy;
 * - bilinear upsampling by whole factors with half-pixel centers (PyTorch's default): by
 *   phases, see bilinear-upsampling-adjoint.ts;
 * - bilinear without half-pixel centers: the backends' own gradient kernel;
 * - anything else (downsampling, fractional factors): the interpolation matrices.
 * The backends' gradient kernels ignore halfPixelCenters (they are the adjoint of the
 * resize without it); the cpu nearest one mixes up the images of a batch and the cpu
 * bilinear one labels its result [N, W, H, C] (read back here as [N, H, W, C]).
 */
function registerResize(kind: ResizeKind): void {
  const { forward, grad } = KERNELS[kind];
  tf.registerGradient({
    kernelName: forward,
    inputsToSave: ['images'],
    gradFunc: (dy, [images], attrs) => {
      const resizeAttrs = attrs as unknown as ResizeAttrs;
      return {
        images: () => {
          const x = images!;
          const dyT = dy as tf.Tensor;
          const fh = blockFactor(kind, x.shape[1]!, dyT.shape[1]!, resizeAttrs);
          const fw = blockFactor(kind, x.shape[2]!, dyT.shape[2]!, resizeAttrs);
          if (fh > 0 && fw > 0) return sumBlocks(dyT, fh, fw);
          const halfPixelUpsampling =
            kind === 'bilinear' &&
            resizeAttrs.halfPixelCenters &&
            !resizeAttrs.alignCorners &&
            upsamplingFactor(x.shape[1]!, dyT.shape[1]!) > 0 &&
            upsamplingFactor(x.shape[2]!, dyT.shape[2]!) > 0;
          if (halfPixelUpsampling) return bilinearUpsamplingAdjoint(dyT, x.shape);
          if (kind === 'nearest' || !nativeExact(kind, x.shape, dyT.shape, resizeAttrs)) {
            return adjointByMatrices(kind, dyT, x.shape, resizeAttrs);
          }
          const dx = tf.engine().runKernel(grad, { images: x, dy: dyT }, attrs) as tf.Tensor;
          return tf.reshape(dx, x.shape);
        },
      };
    },
  });

  // The backends' resize gradient is linear in dy and ignores halfPixelCenters: its adjoint
  // is the resize without half-pixel centers. It does not depend on the images' values.
  tf.registerGradient({
    kernelName: grad,
    inputsToSave: ['images', 'dy'],
    gradFunc: (ddx, [images, dy], attrs) => {
      const { alignCorners } = attrs as unknown as ResizeAttrs;
      const [, oh, ow] = dy!.shape as [number, number, number, number];
      return {
        // The cpu bilinear kernel labels its result [N, W, H, C]: read ddx as the images' shape.
        dy: () => resize(kind, tf.reshape(ddx as tf.Tensor, images!.shape), [oh, ow], alignCorners),
        images: () => tf.zerosLike(images!),
      };
    },
  });
}

registerResize('nearest');
registerResize('bilinear');
