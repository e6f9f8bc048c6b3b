import { tf } from '../../tfjs.js';

/**
 * Links the tensors an op saves for its gradient to the op on the gradient tape.
 *
 * tfjs saves a tensor for a gradient by cloning it: the clone's tape node (Identity) is
 * recorded while the op runs, so it lands on the tape BEFORE the op's own node. The tape is
 * filtered in recording order, so a saved OUTPUT looks unrelated to the op's input, and a
 * gradient built from it is a constant to any gradient taken of it: second-order
 * gradients through it come out silently wrong or throw (tfjs issue 3252). This holds for
 * kernels (outputsToSave) and for customGrad ops that save their result (tf.logSoftmax),
 * which no gradient registration can reach.
 *
 * The fix moves those clone nodes to just after the node of the op that saved them. The
 * engine records a tape node while an op runs (kernel depth > 0) only for such clones; the
 * op's own node follows as soon as it returns. First-order gradients are unchanged: the
 * clones feed no forward op, so they never enter a first-order backward pass.
 */

interface TapeNodeLike {
  id: number;
}

interface EngineInternals {
  state: { kernelDepth: number; activeTape: TapeNodeLike[] | null };
  addTapeNode: (...args: unknown[]) => void;
}

let enabled = true;
let installed = false;

/** Installs the link (idempotent). */
export function installSavedTensorLinks(): void {
  if (installed) return;
  installed = true;
  const engine = tf.engine() as unknown as EngineInternals;
  const record = engine.addTapeNode.bind(engine);
  // Clones recorded while the op that saves them is still running.
  let pending: TapeNodeLike[] = [];
  let pendingTape: TapeNodeLike[] | null = null;
  engine.addTapeNode = (...args: unknown[]) => {
    record(...args);
    const tape = engine.state.activeTape;
    if (!enabled || tape == null) return;
    if (engine.state.kernelDepth > 0) {
      if (pendingTape !== tape) pending = [];
      pendingTape = tape;
      pending.push(tape.pop()!);
    } else if (pending.length > 0) {
      // Clones left by an op that threw belong to no node: a new tape drops them.
      if (pendingTape === tape) tape.push(...pending);
      pending = [];
    }
  };
}

/** Turns the link off and on again; only for tests that show what it changes. */
export function setSavedTensorLinks(on: boolean): void {
  enabled = on;
}

installSavedTensorLinks();
