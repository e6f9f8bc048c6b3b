import { ArgumentError, describe, Module, ops, type tf } from '@atelier/core';
import { checkNHWC } from '../checks.js';
import type { PaddingMode } from './conv2d.js';

type Pads = [number, number, number, number];

/** PyTorch's padding argument: one number for every side, or (left, right, top, bottom). */
function readPads(value: unknown, where: string): Pads {
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (count(value)) return [value, value, value, value];
  if (Array.isArray(value) && value.length === 4 && value.every(count)) {
    const [left, right, top, bottom] = value as Pads;
    return [top, bottom, left, right];
  }
  throw new ArgumentError(
    `${where}: padding must be an integer >= 0 or PyTorch's [left, right, top, bottom], got ${describe(value)}`,
  );
}

/** Spatial padding of NHWC tensors as PyTorch's pad modules, differentiable to any order. */
abstract class Pad2d extends Module {
  /** [top, bottom, left, right]. */
  readonly pads: Pads;
  abstract readonly mode: PaddingMode;

  constructor(padding: number | [number, number, number, number], where: string) {
    super();
    this.pads = readPads(padding, where);
  }

  forward(x: tf.Tensor): tf.Tensor4D {
    return ops.pad2d(checkNHWC(x, this.constructor.name), this.pads, this.mode);
  }
}

/** nn.ReflectionPad2d: mirrors without repeating the edge (each pad < the axis). */
export class ReflectionPad2d extends Pad2d {
  readonly mode = 'reflect' as const;
  constructor(padding: number | [number, number, number, number]) {
    super(padding, 'ReflectionPad2d');
  }
}

/** nn.ReplicationPad2d: repeats the edge pixels. */
export class ReplicationPad2d extends Pad2d {
  readonly mode = 'replicate' as const;
  constructor(padding: number | [number, number, number, number]) {
    super(padding, 'ReplicationPad2d');
  }
}

/** nn.ZeroPad2d. */
export class ZeroPad2d extends Pad2d {
  readonly mode = 'zeros' as const;
  constructor(padding: number | [number, number, number, number]) {
    super(padding, 'ZeroPad2d');
  }
}
