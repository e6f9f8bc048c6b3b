export { describeBackends, testBackends } from './backends.js';
export { type BrowserPageOptions, runInChromium } from './browser.js';
export { type CheckGradOptions, checkGrad, type GradCheckResult } from './check-grad.js';
export {
  type FuzzCrash,
  type FuzzOptions,
  type FuzzReport,
  type FuzzTarget,
  fuzzRandom,
  mutate,
  runFuzz,
} from './fuzz.js';
export { fuzzInputs, isLongRun, writeFuzzResults } from './fuzz-results.js';
export { relativeError } from './relative-error.js';
export {
  concatBytes,
  intTuple,
  op as pickleOps,
  pickle,
  rebuildTensor,
  storageId,
  torchArchive,
  zipStored,
} from './torch-files.js';
export {
  type HostileFile,
  hostileWeightFiles,
  safetensorsBytes,
  seedSafetensors,
  seedTorchLegacy,
  seedTorchZip,
  weightFuzzTargets,
} from './weight-files.js';
