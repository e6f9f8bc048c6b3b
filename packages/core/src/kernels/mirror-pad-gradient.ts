import { tf } from '../tfjs.js';

/**
 * MirrorPad's gradient. tfjs 4.22 slices the centre out of dy and drops what the
 * mirrored pixels received, so reflection-padded convolutions trained wrongly. Each
 * padded band is here reversed and added back onto the pixels it copied, one axis at a
 * time, with differentiable ops (the map is linear, so higher orders follow).
 */
function foldAxis(
  g: tf.Tensor,
  axis: number,
  size: number,
  before: number,
  after: number,
  mode: 'reflect' | 'symmetric',
): tf.Tensor {
  if (before === 0 && after === 0) return g;
  const cut = (start: number, length: number): tf.Tensor => {
    const begin = g.shape.map(() => 0);
    const extent = [...g.shape];
    begin[axis] = start;
    extent[axis] = length;
    return tf.slice(g, begin, extent);
  };
  const placed = (band: tf.Tensor, at: number, length: number): tf.Tensor => {
    const paddings = g.shape.map((): [number, number] => [0, 0]);
    paddings[axis] = [at, size - at - length];
    return tf.pad(tf.reverse(band, axis), paddings);
  };
  // 'reflect' skips the edge pixel (band before covers x[1..before]); 'symmetric' repeats it.
  const shift = mode === 'reflect' ? 1 : 0;
  let out = cut(before, size);
  if (before > 0) out = tf.add(out, placed(cut(0, before), shift, before));
  if (after > 0) out = tf.add(out, placed(cut(before + size, after), size - shift - after, after));
  return out;
}

tf.registerGradient({
  kernelName: tf.MirrorPad,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const x = saved[0]!;
    const { paddings, mode } = attrs as unknown as tf.MirrorPadAttrs;
    return {
      x: () => {
        let g = dy as tf.Tensor;
        paddings.forEach(([before, after], axis) => {
          g = foldAxis(g, axis, x.shape[axis]!, before, after, mode);
        });
        return g;
      },
    };
  },
});
