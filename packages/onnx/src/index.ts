export { OnnxExportError } from './errors.js';
export {
  buildOnnxGraph,
  type ExportOnnxOptions,
  exportOnnx,
  ONNX_OPSET,
  type OnnxGraphExport,
} from './export.js';
export {
  encodeOnnxModel,
  type OnnxAttribute,
  type OnnxDataType,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './onnx-model.js';
export { loadOnnxRuntime } from './runtime.js';
export { createOnnxSession, OnnxSession, type OnnxSessionOptions } from './session.js';
export type { OutputStructure } from './trace.js';
export { adamUpdate, ensureAdamMoments } from './training/adam-update.js';
export { OnnxTrainingError } from './training/errors.js';
export type { RandomDraw } from './training/random-draws.js';
export {
  type StateSlot,
  type TrainingStepGraph,
  type TrainingStepSpec,
  traceTrainingStep,
} from './training/trace-training-step.js';
export { TrainingSession, type TrainingSessionOptions } from './training/training-session.js';
