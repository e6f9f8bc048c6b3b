import { ArgumentError, describe, type ParameterKind, ShapeError } from '@atelier/core';

export interface Fans {
  fanIn: number;
  fanOut: number;
}

/**
 * Fan-in and fan-out of a weight as PyTorch's `_calculate_fan_in_and_fan_out` computes
 * them on the PyTorch layout of the same weight: size(1) x receptive field and
 * size(0) x receptive field. For a ConvTranspose2d that makes fan-in the output
 * channels (PyTorch's quirk, kept so initialisations match).
 *
 *   kind           tfjs shape            PyTorch shape        fanIn            fanOut
 *   conv           [kh, kw, I/g, O]      (O, I/g, kh, kw)     I/g*kh*kw        O*kh*kw
 *   convTranspose  [kh, kw, O/g, I]      (I, O/g, kh, kw)     O/g*kh*kw        I*kh*kw
 *   depthwise      [kh, kw, C, m]        (C*m, 1, kh, kw)     kh*kw            C*m*kh*kw
 *   linear         [in, out]             (out, in)            in               out
 */
export function torchFans(shape: readonly number[], kind: ParameterKind): Fans {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ArgumentError(`torchFans: expected a shape, got ${describe(shape)}`);
  }
  const need = kind === 'linear' ? 2 : kind === 'plain' ? 2 : 4;
  if (kind === 'plain' ? shape.length < need : shape.length !== need) {
    throw new ShapeError(
      `torchFans: a ${kind} weight needs rank ${need}${kind === 'plain' ? ' or more' : ''}, got ${describe(shape)}`,
    );
  }
  switch (kind) {
    case 'linear':
      return { fanIn: shape[0]!, fanOut: shape[1]! };
    case 'conv': {
      const [kh, kw, i, o] = shape as [number, number, number, number];
      return { fanIn: i * kh * kw, fanOut: o * kh * kw };
    }
    case 'convTranspose': {
      const [kh, kw, o, i] = shape as [number, number, number, number];
      return { fanIn: o * kh * kw, fanOut: i * kh * kw };
    }
    case 'depthwise': {
      const [kh, kw, c, m] = shape as [number, number, number, number];
      return { fanIn: kh * kw, fanOut: c * m * kh * kw };
    }
    case 'plain': {
      // PyTorch's own rule on a tensor in its layout: dims (out, in, ...receptive).
      const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
      return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
    }
  }
  throw new ArgumentError(`torchFans: unknown kind ${describe(kind)}`);
}
