import './suites/index.js';

export { type Measurement, measure, median, settle, timeOnce } from './harness.js';
export {
  DEFAULT_PYTHON,
  type ReferenceDevice,
  type ReferenceOutcome,
  runReference,
  torchAvailable,
} from './reference.js';
export { getSuite, registerSuite, suiteNames } from './registry.js';
export { formatMarkdown, formatProgress, type SuiteReport, writeReport } from './report.js';
export {
  DEFAULT_PROTOCOLS,
  type RunSuiteOptions,
  resultsDir,
  runSuite,
  SMOKE_PROTOCOL,
} from './run-suite.js';
export type { BenchCase, BenchProgress, BenchResult, CaseStep, Protocol, Suite } from './types.js';
