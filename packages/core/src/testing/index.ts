export { describeBackends, testBackends } from './backends.js';
export { type BrowserPageOptions, runInChromium } from './browser.js';
export { type CheckGradOptions, checkGrad, type GradCheckResult } from './check-grad.js';
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
