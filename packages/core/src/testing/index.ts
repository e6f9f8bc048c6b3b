export { checkGrad, type CheckGradOptions, type GradCheckResult } from './check-grad.js';
export { describeBackends, testBackends } from './backends.js';
