export { describeBackends, testBackends } from './backends.js';
export { type CheckGradOptions, checkGrad, type GradCheckResult } from './check-grad.js';
