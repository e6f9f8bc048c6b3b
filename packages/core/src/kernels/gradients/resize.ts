import { tf } from '../../tfjs.js';
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
 * differentiable to any order). It costs O(OH * OW * (IH + IW) * C): used only where the
 * backends' own resize gradients are wrong.
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

/**
 * The backends' resize gradients ignore halfPixelCenters (they are the adjoint of the
 * resize without it), and the cpu bilinear one labels its result [N, W, H, C]. They are
 * used where their interpolation equals the forward's (e.g. nearest x2 upsampling); the
 * matrices elsewhere (e.g. bilinear with half-pixel centers, PyTorch's default).
 */
function registerResize(kind: ResizeKind): void {
  const { forward, grad } = KERNELS[kind];
  tf.registerGradient({
    kernelName: forward,
    inputsToSave: ['images'],
    gradFunc: (dy, [images], attrs) => {
      const resizeAttrs = attrs as unknown as ResizeAttrs;
      const { alignCorners, halfPixelCenters } = resizeAttrs;
      return {
        images: () => {
          const x = images!;
          const dyT = dy as tf.Tensor;
          const [, ih, iw] = x.shape;
          const [, oh, ow] = dyT.shape;
          const nativeExact =
            !halfPixelCenters ||
            (sameMatrix(
              resizeMatrix(kind, ih!, oh!, alignCorners, true),
              resizeMatrix(kind, ih!, oh!, alignCorners, false),
            ) &&
              sameMatrix(
                resizeMatrix(kind, iw!, ow!, alignCorners, true),
                resizeMatrix(kind, iw!, ow!, alignCorners, false),
              ));
          if (!nativeExact) return adjointByMatrices(kind, dyT, x.shape, resizeAttrs);
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
