import { convConverters } from './conv.js';
import { elementwiseConverters } from './elementwise.js';
import { normConverters } from './norm.js';
import { resizeConverters } from './resize.js';
import { shapeConverters } from './shape.js';
import type { Converter } from './types.js';

/** Every tfjs kernel the exporter turns into ONNX, by kernel name. */
export const CONVERTERS: Record<string, Converter> = {
  ...convConverters,
  ...elementwiseConverters,
  ...shapeConverters,
  ...normConverters,
  ...resizeConverters,
};
