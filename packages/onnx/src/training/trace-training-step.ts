import { tf } from '@atelier/core';
import { convertKernels, ONNX_OPSET } from '../export.js';
import { GraphBuilder, onnxType } from '../graph-builder.js';
import type { OnnxModel, OnnxValueInfo } from '../onnx-model.js';
import { KernelRecorder, readConstants, type TracedRef, type TracedValue } from '../trace.js';
import { OnnxTrainingError } from './errors.js';
import { type RandomDraw, RandomDrawRecorder } from './random-draws.js';

export interface TrainingStepSpec {
  /** Who is traced, for messages: `train: harness 'pix2pix'`. */
  what: string;
  /** Tensors fed anew at every run (the batch's fields, the learning rates), by name. */
  feeds: Record<string, tf.Tensor>;
  /**
   * One training step on tfjs (it runs, and changes the variables, as a step does). It
   * returns the tensors read back after every run, by name (the logged loss terms);
   * they are the caller's to dispose.
   */
  step(): Record<string, tf.Tensor>;
  /**
   * Undo the traced step afterwards (default true): the variables it changed and the
   * random streams it drew from are put back, so the first run of the graph is the
   * step, and a refused trace leaves the model as it was. With false the traced step
   * stays done on tfjs.
   */
  dryRun?: boolean;
  /** Undoes what `step` did outside variables and streams (an optimizer's step count). */
  undo?(): void;
}

/** A variable the graph carries from one run to the next: fed as `input`, produced as `output`. */
export interface StateSlot {
  variable: tf.Variable;
  /** Absent when the step assigns the variable before it reads it. */
  input?: string;
  /** Absent when the step reads the variable but never assigns it (a frozen network). */
  output?: string;
}

/** A traced training step: its ONNX model and what feeds it. */
export interface TrainingStepGraph {
  model: OnnxModel;
  state: StateSlot[];
  /** Graph inputs fed at every run, as `spec.feeds` named them. */
  feeds: string[];
  /** The random tensors to draw before every run, in the order the step drew them. */
  draws: (RandomDraw & { input: string })[];
  /** The step's results by name (`spec.step`'s keys). */
  outputs: string[];
}

/**
 * Traces one training step into an ONNX graph: the step runs once on tfjs while every
 * kernel on its batch, random draws and variables is recorded. Variables become state
 * (inputs, and outputs where assigned), random tensors drawn from an `Rng` become
 * inputs replayed from the same streams, learning rates are inputs; so the graph holds
 * no weight, no draw and no rate, only the step's arithmetic. Refused with an
 * OnnxTrainingError when the step draws numbers on the host (they would steer it) or
 * runs a kernel with no ONNX form.
 */
export async function traceTrainingStep(spec: TrainingStepSpec): Promise<TrainingStepGraph> {
  const feeds = Object.entries(spec.feeds);
  const recorder = new KernelRecorder({
    inputs: feeds.map(([, t]) => t),
    variablesAsState: true,
  });
  const random = new RandomDrawRecorder();
  let results: Record<string, tf.Tensor> | undefined;
  let resultRefs: [string, TracedRef][] = [];
  let assignedRefs: TracedRef[] = [];
  recorder.start();
  random.start((t) => recorder.markInput(t));
  const dryRun = spec.dryRun ?? true;
  const undo = () => {
    if (!dryRun) return;
    recorder.restoreState();
    random.restoreStreams();
    spec.undo?.();
  };
  try {
    results = spec.step();
    resultRefs = Object.entries(results).map(([k, t]) => [k, recorder.ref(t)]);
    assignedRefs = recorder.assigned.map((v) => recorder.ref(v));
  } catch (error) {
    random.stop();
    recorder.stop();
    undo();
    recorder.dispose();
    tf.dispose(random.draws.map((d) => d.tensor));
    throw error;
  }
  random.stop();
  recorder.stop();
  undo();
  recorder.releaseState();
  tf.dispose(random.draws.map((d) => d.tensor));
  tf.dispose(Object.values(results));
  await readConstants(recorder);
  if (random.hostDraws.length > 0) {
    const methods = [...new Set(random.hostDraws)];
    throw new OnnxTrainingError(
      `${spec.what}: the step draws random numbers on the host (Rng.${methods.join(', Rng.')}), which a traced graph cannot replay; run it with engine 'tfjs'`,
      methods.map((m) => `Rng.${m}`),
    );
  }

  const b = new GraphBuilder();
  const inputs: OnnxValueInfo[] = [];
  const defineInput = (value: TracedValue, name: string) => {
    b.define(value, name, 'nhwc');
    inputs.push({ name, dtype: onnxType(value.dtype), dims: value.shape });
  };
  feeds.forEach(([name, t]) => {
    defineInput({ kind: 'value', id: t.id, shape: [...t.shape], dtype: t.dtype }, name);
  });
  const draws = random.draws.map(({ draw, tensor }, i) => {
    const input = `random_${i}`;
    defineInput(
      { kind: 'value', id: tensor.id, shape: [...tensor.shape], dtype: tensor.dtype },
      input,
    );
    return { ...draw, input };
  });
  const state: StateSlot[] = [];
  const slotOf = new Map<tf.Variable, StateSlot>();
  recorder.stateReads.forEach(({ variable, value }, i) => {
    const input = `state_${i}`;
    const slot: StateSlot = { variable, input };
    defineInput(value, input);
    state.push(slot);
    slotOf.set(variable, slot);
  });
  convertKernels(b, recorder.kernels, spec.what, OnnxTrainingError);

  const outputs: OnnxValueInfo[] = [];
  const emitOutput = (ref: TracedRef, name: string) => {
    b.nodes.push({
      op: 'Identity',
      name: `output_identity_${outputs.length}`,
      inputs: [b.input(ref, 'nhwc')],
      outputs: [name],
      attributes: {},
    });
    outputs.push({ name, dtype: onnxType(ref.dtype), dims: ref.shape });
  };
  for (const [name, ref] of resultRefs) emitOutput(ref, name);
  recorder.assigned.forEach((variable, i) => {
    let slot = slotOf.get(variable);
    if (!slot) {
      // Assigned before it was ever read: its value before the step is not needed, but
      // the next run reads what this one leaves, so it is state all the same.
      slot = { variable };
      state.push(slot);
      slotOf.set(variable, slot);
    }
    slot.output = `${slot.input ?? `state_assigned_${i}`}_next`;
    emitOutput(assignedRefs[i]!, slot.output);
  });
  const model: OnnxModel = {
    graph: {
      name: 'training_step',
      nodes: b.nodes,
      initializers: b.initializers,
      inputs,
      outputs,
    },
    opset: ONNX_OPSET,
    producer: { name: 'atelier', version: '0' },
    docString:
      'One training step: state_* in, state_*_next out; batch, random draws and rates fed.',
  };
  return {
    model,
    state,
    feeds: feeds.map(([name]) => name),
    draws,
    outputs: resultRefs.map(([name]) => name),
  };
}
