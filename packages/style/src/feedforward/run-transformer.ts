import { TransformerNet } from '@atelier/blocks';
import { ArgumentError, describe, Module, ShapeError, tf } from '@atelier/core';
import { loadOnnx } from '../onnx-engine.js';

/**
 * runTransformer's computation as a module: a TransformerNet's output cropped back to
 * its input's size and clamped to [0, 255]. What an ONNX export of a style contains.
 */
export class TransformerInference extends Module {
  constructor(readonly net: TransformerNet) {
    super();
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    const [n, h, w] = x.shape;
    let y = this.net.forward(tf.cast(x, 'float32') as tf.Tensor4D);
    if (y.shape[1] !== h || y.shape[2] !== w) y = tf.slice(y, [0, 0, 0, 0], [n, h, w, 3]);
    return tf.clipByValue(y, 0, 255);
  }
}

function check(fn: string, net: unknown, image: unknown): void {
  if (!(net instanceof TransformerNet)) {
    throw new ArgumentError(`${fn}: expected a TransformerNet, got ${describe(net)}`);
  }
  if (
    !(image instanceof tf.Tensor) ||
    (image.rank !== 3 && image.rank !== 4) ||
    image.shape[image.rank - 1] !== 3
  ) {
    throw new ShapeError(
      `${fn}: image must be RGB [H, W, 3] or [N, H, W, 3] in [0, 255], got ${describe(image)}`,
    );
  }
}

/**
 * Stylises images of any size with a trained TransformerNet (pytorch/examples
 * fast_neural_style's `stylize`): RGB in [0, 255] ([H, W, 3] or [N, H, W, 3]) to the
 * same shape in [0, 255] (clamped, as the reference's save). The network rounds sizes up
 * to multiples of 4; the result is cropped back to the input's size.
 */
export function runTransformer<T extends tf.Tensor3D | tf.Tensor4D>(
  net: TransformerNet,
  image: T,
): T {
  check('runTransformer', net, image);
  return tf.tidy(() => {
    const x = (image.rank === 3 ? tf.expandDims(image, 0) : image) as tf.Tensor4D;
    const out = new TransformerInference(net).forward(x);
    return (image.rank === 3 ? tf.squeeze(out, [0]) : out) as T;
  });
}

/** runTransformer on onnxruntime: the same results, natively on the CPU. */
export interface TransformerSession {
  run<T extends tf.Tensor3D | tf.Tensor4D>(image: T): Promise<T>;
  dispose(): Promise<void>;
}

/**
 * runTransformer's computation exported to ONNX and run by onnxruntime (Node; needs the
 * optional @atelier/onnx and onnxruntime-node): traced once per image size, then several
 * times faster than wasm. The weights are copied when a size is first seen.
 */
export async function createTransformerSession(net: TransformerNet): Promise<TransformerSession> {
  const fn = 'createTransformerSession';
  if (!(net instanceof TransformerNet)) {
    throw new ArgumentError(`${fn}: expected a TransformerNet, got ${describe(net)}`);
  }
  const onnx = await loadOnnx(fn);
  const session = await onnx.createOnnxSession(new TransformerInference(net));
  return {
    async run<T extends tf.Tensor3D | tf.Tensor4D>(image: T): Promise<T> {
      check('TransformerSession.run', net, image);
      const x = tf.tidy(() =>
        tf.cast(image.rank === 3 ? tf.expandDims(image, 0) : image, 'float32'),
      );
      try {
        const out = (await session.run(x)) as tf.Tensor4D;
        if (image.rank === 4) return out as T;
        const squeezed = tf.squeeze(out, [0]) as T;
        out.dispose();
        return squeezed;
      } finally {
        x.dispose();
      }
    },
    dispose: () => session.dispose(),
  };
}
