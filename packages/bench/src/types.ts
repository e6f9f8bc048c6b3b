import type { BackendName, tf } from '@atelier/core';

/** One line of a suite's report: a case timed on one backend beside PyTorch. */
export interface BenchResult {
  suite: string;
  case: string;
  backend: BackendName;
  /** Median milliseconds over the timed runs; null when the case was not run there. */
  ms: number | null;
  /** PyTorch's median for the same case, on this machine, in the same run; null if missing. */
  referenceMs: number | null;
  /** ms / referenceMs; null when either is missing. */
  ratio: number | null;
  /** How many timed runs the median is taken over (0 when not run). */
  runs: number;
  /** Why a case was skipped, or what else a reader should know about the number. */
  note?: string;
}

/** Warm-up runs, then timed runs; a case whose runs would exceed the budget gets fewer. */
export interface Protocol {
  warmup: number;
  runs: number;
  /** Time allowed for the timed runs of one case on one backend, in milliseconds. */
  budgetMs: number;
  /**
   * Fast cases keep being timed (up to 200 runs) until the timed runs add up to this
   * many milliseconds, so that a short stall of a shared machine cannot move the median.
   */
  minTimeMs?: number;
}

/** What a case runs on a backend: `run` is timed; `dispose` frees its inputs. */
export interface CaseStep {
  /** May be async (an input pipeline awaits files and threads); the timing includes it. */
  run(): tf.Tensor | tf.Tensor[] | Promise<tf.Tensor | tf.Tensor[]>;
  dispose(): void;
  /** Said in the report beside the number (e.g. which formulation ran). */
  note?: string;
}

export interface BenchCase {
  /** Short and stable, e.g. 'conv3x3/forward': the key in results and reference. */
  name: string;
  /** What is computed, with shapes, for the Markdown table. */
  description: string;
  /** Builds the inputs on the current backend. */
  setup(backend: BackendName): CaseStep | Promise<CaseStep>;
  /** The same case for the suite's PyTorch script; absent when PyTorch has no counterpart. */
  reference?: Record<string, unknown>;
  /** Compare with PyTorch's time of this other case (the same computation, run another way). */
  referenceCase?: string;
  /** A reason not to run the case on a backend (say, it would take minutes there). */
  skip?(backend: BackendName): string | undefined;
}

export interface Suite {
  name: string;
  description: string;
  cases: BenchCase[];
  /** File under packages/bench/python/ that times the cases' `reference` specs with PyTorch. */
  python?: string;
  /** Work before anything is timed, PyTorch included (say, writing the files both sides read). */
  prepare?(): Promise<void>;
  /** Per-backend changes to the default protocol (slow backends get fewer runs). */
  protocol?: Partial<Record<BackendName | 'reference', Partial<Protocol>>>;
  /**
   * The same computations at tiny sizes, run instead of `cases` by a smoke run
   * (`--smoke`): seconds on a software WebGPU adapter, to prove a setup works end to end.
   */
  smokeCases?: BenchCase[];
  /** Extra lines for the Markdown report, computed from the results. */
  notes?(results: BenchResult[]): string[];
}

/** Reported while a suite runs: one event per finished step, and one at the start of each. */
export interface BenchProgress {
  suite: string;
  phase: 'reference' | 'backend' | 'case' | 'done';
  backend?: BackendName;
  case?: string;
  /** Steps finished so far, of `total` (cases × backends, plus one for PyTorch). */
  done: number;
  total: number;
  result?: BenchResult;
  message: string;
}
