import { ArgumentError, describe, ShapeError } from '../errors.js';
import { tf } from '../tfjs.js';
import { checkImage, checkPadMode, type PadMode, type Pads } from './conv-args.js';

function checkPads(pads: unknown): Pads {
  if (
    Array.isArray(pads) &&
    pads.length === 4 &&
    pads.every((p) => typeof p === 'number' && Number.isInteger(p) && p >= 0)
  ) {
    return pads as Pads;
  }
  throw new ArgumentError(
    `pad2d: pads must be [top, bottom, left, right] integers >= 0, got ${describe(pads)}`,
  );
}

/** Repeats the first/last row (axis 1) or column (axis 2) `before`/`after` times. */
function replicateAxis(x: tf.Tensor4D, axis: 1 | 2, before: number, after: number): tf.Tensor4D {
  if (before === 0 && after === 0) return x;
  const n = x.shape[axis];
  const parts: tf.Tensor4D[] = [];
  const edge = (at: number, times: number): tf.Tensor4D => {
    const begin = [0, 0, 0, 0];
    const size = [...x.shape];
    begin[axis] = at;
    size[axis] = 1;
    const reps = [1, 1, 1, 1];
    reps[axis] = times;
    return tf.tile(tf.slice(x, begin, size), reps);
  };
  if (before > 0) parts.push(edge(0, before));
  parts.push(x);
  if (after > 0) parts.push(edge(n - 1, after));
  return tf.concat(parts, axis);
}

/**
 * Pads the spatial axes of an NHWC tensor by [top, bottom, left, right], as PyTorch's
 * `F.pad` with `mode` 'constant' (zeros), 'reflect' (mirror without repeating the edge;
 * each pad must be smaller than the axis) or 'replicate' (repeat the edge pixel).
 * Differentiable to any order on every backend.
 */
export function pad2d(x: tf.Tensor, pads: Pads, mode: PadMode = 'zeros'): tf.Tensor4D {
  const [, h, w] = checkImage('pad2d', 'x', x);
  const [top, bottom, left, right] = checkPads(pads);
  const how = checkPadMode('pad2d', mode);
  const x4 = x as tf.Tensor4D;
  if (top + bottom + left + right === 0) return tf.clone(x4);
  const paddings: [number, number][] = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  switch (how) {
    case 'zeros':
      return tf.pad(x4, paddings);
    case 'reflect':
      if (Math.max(top, bottom) >= h || Math.max(left, right) >= w) {
        throw new ShapeError(
          `pad2d: reflect padding [${pads.join(', ')}] must be smaller than the padded axes, ` +
            `got an input of ${h}x${w}`,
        );
      }
      return tf.mirrorPad(x4, paddings, 'reflect');
    case 'replicate':
      if (h === 0 || w === 0)
        throw new ShapeError(`pad2d: cannot replicate an empty ${h}x${w} image`);
      return tf.tidy(() => replicateAxis(replicateAxis(x4, 1, top, bottom), 2, left, right));
  }
}
