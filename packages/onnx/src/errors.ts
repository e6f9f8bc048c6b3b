import { AtelierError } from '@atelier/core';

/** A module that cannot be written as ONNX: a kernel, dtype or attribute with no ONNX form. */
export class OnnxExportError extends AtelierError {
  override name = 'OnnxExportError';
  constructor(
    message: string,
    /** The tfjs kernels (with what about them) that have no ONNX form here. */
    readonly unsupported: string[] = [],
  ) {
    super(message);
  }
}
