import { tf } from '../../tfjs.js';

/**
 * True while the ops that run now are themselves recorded on a gradient tape, i.e. while
 * a gradient is being computed inside another `tf.grad` (a gradient of a gradient).
 *
 * tfjs saves an op's output for its gradient through a tape node that is recorded before
 * the op's own node, so the tape never links the saved output to the op's input (tfjs
 * issue 3252): a gradient built from a saved output is right at first order and silently
 * wrong at second. Gradients here therefore use the saved output only when nothing
 * records them (the fast first-order path) and recompute it from the saved input
 * otherwise.
 */
export function recordingGradient(): boolean {
  return tf.engine().isTapeOn();
}

/** The op's saved output at first order; at higher order the same value recomputed from its input. */
export function savedOrRecomputed(saved: tf.Tensor, recompute: () => tf.Tensor): tf.Tensor {
  return recordingGradient() ? recompute() : saved;
}
