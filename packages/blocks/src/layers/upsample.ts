import { ArgumentError, describe, Module, tf } from '@atelier/core';
import { booleanOption, checkNHWC, oneOf } from '../checks.js';

export type UpsampleMode = 'nearest' | 'bilinear';

export interface UpsampleOptions {
  /** Output size [h, w] (or one number for both); give this or scaleFactor. */
  size?: number | [number, number];
  /**
   * Multiplier of the input size (the output size is floored); sampling then follows
   * the sizes, as PyTorch's `recompute_scale_factor=True` (the same for integer factors).
   */
  scaleFactor?: number | [number, number];
  /** Default 'nearest'. */
  mode?: UpsampleMode;
  /** Bilinear only: corner pixels aligned (PyTorch's align_corners); default false. */
  alignCorners?: boolean;
}

function positivePair(value: unknown, what: string, integer: boolean): [number, number] {
  const ok = (v: unknown): v is number =>
    typeof v === 'number' && Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v));
  if (ok(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && ok(value[0]) && ok(value[1]))
    return [value[0], value[1]];
  throw new ArgumentError(
    `Upsample: ${what} must be a positive ${integer ? 'integer' : 'number'} or a pair [h, w] of them, got ${describe(value)}`,
  );
}

/**
 * PyTorch's nn.Upsample on NHWC tensors. 'nearest' takes source pixel
 * floor(dst * in / out); 'bilinear' with alignCorners false samples at
 * (dst + 0.5) * in / out - 0.5, clamped at the border (PyTorch's default), and with
 * alignCorners true maps corner to corner.
 */
export class Upsample extends Module {
  readonly size: [number, number] | undefined;
  readonly scaleFactor: [number, number] | undefined;
  readonly mode: UpsampleMode;
  readonly alignCorners: boolean;

  constructor(options: UpsampleOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentError(
        `Upsample: expected options { size | scaleFactor, mode }, got ${describe(options)}`,
      );
    }
    if ((options.size === undefined) === (options.scaleFactor === undefined)) {
      throw new ArgumentError('Upsample: give exactly one of size and scaleFactor');
    }
    this.size = options.size === undefined ? undefined : positivePair(options.size, 'size', true);
    this.scaleFactor =
      options.scaleFactor === undefined
        ? undefined
        : positivePair(options.scaleFactor, 'scaleFactor', false);
    this.mode = oneOf(
      options.mode ?? 'nearest',
      ['nearest', 'bilinear'] as const,
      'mode',
      'Upsample',
    );
    this.alignCorners = booleanOption(options.alignCorners ?? false, 'alignCorners', 'Upsample');
    if (this.alignCorners && this.mode === 'nearest') {
      throw new ArgumentError("Upsample: alignCorners applies to mode 'bilinear' only");
    }
  }

  /** The output [h, w] for an input of [h, w]. */
  outputSize(h: number, w: number): [number, number] {
    if (this.size) return this.size;
    const [sh, sw] = this.scaleFactor!;
    return [Math.floor(h * sh), Math.floor(w * sw)];
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    const input = checkNHWC(x, 'Upsample');
    const size = this.outputSize(input.shape[1], input.shape[2]);
    if (this.mode === 'nearest') return tf.image.resizeNearestNeighbor(input, size, false, false);
    return tf.image.resizeBilinear(input, size, this.alignCorners, !this.alignCorners);
  }
}
