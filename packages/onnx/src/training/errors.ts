import { OnnxExportError } from '../errors.js';

/**
 * A training step that cannot run on onnxruntime: a kernel with no ONNX form, an
 * optimizer other than Adam, random numbers drawn on the host inside the step. Thrown
 * while tracing, before any step runs on the engine.
 */
export class OnnxTrainingError extends OnnxExportError {
  override name = 'OnnxTrainingError';
}
