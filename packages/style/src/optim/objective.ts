/** A loss and its gradient at a point, both computed by the caller. */
export interface Evaluation {
  loss: number;
  /** ∂loss/∂x, the length of x; the optimiser keeps it (do not reuse the array). */
  grad: Float32Array;
}

/**
 * The function an optimiser minimises: x (which it must not keep or change) to the loss
 * and gradient there. May be async, for backends that read results asynchronously.
 */
export type Objective = (x: Float32Array) => Evaluation | Promise<Evaluation>;

/** What an optimiser reports after each iteration; return `false` (or a promise of it) to stop. */
export interface IterationInfo {
  /** 1-based. */
  iteration: number;
  /** The loss at the iterate `x`. */
  loss: number;
  /** The current iterate (the optimiser's own array: copy it to keep it). */
  x: Float32Array;
  /** The gradient the objective returned at `x` (the last evaluated one for Adam and a fixed-step L-BFGS). */
  grad: Float32Array;
  /** Objective evaluations so far. */
  evaluations: number;
}

export type IterationCallback = (info: IterationInfo) => unknown;

export interface OptimizeResult {
  x: Float32Array;
  loss: number;
  iterations: number;
  evaluations: number;
  /** Why it stopped. */
  reason:
    | 'max-iterations'
    | 'max-evaluations'
    | 'gradient-tolerance'
    | 'change-tolerance'
    | 'not-descending'
    | 'stopped';
}
