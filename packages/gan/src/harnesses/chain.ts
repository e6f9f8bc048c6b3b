import { ArgumentError, describe, type Module, ShapeError, tf } from '@atelier/core';
import { Dataset } from '@atelier/datasets';
import type {
  Harness,
  HarnessOptimizer,
  Json,
  JsonObject,
  LossTerms,
  SampleColumn,
  StepContext,
} from '../trainer/harness.js';
import type { PairBatch } from './pix2pix.js';

/** One stage of a chain: a conditional harness and how it turns an input into an output. */
export interface ChainStage {
  /** Letters and digits; the stage's modules, optimizers and terms are prefixed `<name>_`. */
  name: string;
  harness: Harness<PairBatch>;
  /**
   * Inference: the stage's output for `input` (e.g. BicycleGAN's G(A, z)), with its
   * generators, when given a style code for the stage, and the outputs of the stages
   * before it (first to last; `input` is the last of them) for a stage that needs more
   * than its input (FrankenGAN's details need the label map to find the windows).
   */
  translate(
    input: tf.Tensor4D,
    generators: Record<string, Module>,
    style: tf.Tensor2D | undefined,
    earlier: readonly tf.Tensor4D[],
  ): tf.Tensor4D;
  /**
   * The same, for a stage that must read tensors back (which Node's WebGPU cannot do
   * synchronously); `runAsync` uses it where given.
   */
  translateAsync?(
    input: tf.Tensor4D,
    generators: Record<string, Module>,
    style: tf.Tensor2D | undefined,
    earlier: readonly tf.Tensor4D[],
  ): Promise<tf.Tensor4D>;
}

/** A chain's batch: each stage's pair, as `<stage>_A` and `<stage>_B`. */
export type ChainBatch = Record<string, tf.Tensor4D>;

export interface ChainHarness extends Harness<ChainBatch> {
  readonly stages: readonly ChainStage[];
  /** Runs the stages one after another on `input` (styles by stage name): every stage's output, in order. */
  run(
    input: tf.Tensor4D,
    generators?: Record<string, Module>,
    styles?: Record<string, tf.Tensor2D>,
  ): tf.Tensor4D[];
  /** `run` on any backend: a stage's translateAsync where it has one. */
  runAsync(
    input: tf.Tensor4D,
    generators?: Record<string, Module>,
    styles?: Record<string, tf.Tensor2D>,
  ): Promise<tf.Tensor4D[]>;
}

function checkStages(stages: ChainStage[]): void {
  if (!Array.isArray(stages) || stages.length === 0)
    throw new ArgumentError(`chain: expected a list of stages, got ${describe(stages)}`);
  const seen = new Set<string>();
  for (const s of stages) {
    if (typeof s?.name !== 'string' || !/^[A-Za-z0-9]+$/.test(s.name) || seen.has(s.name)) {
      throw new ArgumentError(
        `chain: each stage needs a unique name of letters and digits, got ${describe(s?.name)}`,
      );
    }
    seen.add(s.name);
    if (typeof s.harness?.step !== 'function' || typeof s.translate !== 'function')
      throw new ArgumentError(`chain: stage ${s.name} needs a harness and a translate function`);
    if ((s.harness.batchesPerStep ?? 1) !== 1)
      throw new ArgumentError(
        `chain: stage ${s.name} takes several batches a step; a chain takes one`,
      );
  }
}

/** The stage's pair out of the chain's batch. */
function pairOf(batch: ChainBatch, stage: string): PairBatch {
  const A = batch?.[`${stage}_A`];
  const B = batch?.[`${stage}_B`];
  if (!(A instanceof tf.Tensor) || !(B instanceof tf.Tensor)) {
    throw new ShapeError(
      `chain: expected ${stage}_A and ${stage}_B in the batch, got ${describe(batch && Object.keys(batch))}`,
    );
  }
  return { A, B };
}

/** The stage's view of the step: its updates and terms under its prefix. */
function stageContext(ctx: StepContext, prefix: string): StepContext {
  const rename = (terms: LossTerms) =>
    Object.fromEntries(Object.entries(terms).map(([k, v]) => [`${prefix}${k}`, v]));
  return {
    step: ctx.step,
    epoch: ctx.epoch,
    rng: ctx.rng,
    keep: (t) => ctx.keep(t),
    log: (terms) => ctx.log(rename(terms)),
    update(name, loss, weights = {}) {
      const parts = (Array.isArray(loss) ? loss : [loss]).map((part) => () => rename(part()));
      const w = Object.fromEntries(Object.entries(weights).map(([k, v]) => [`${prefix}${k}`, v]));
      ctx.update(`${prefix}${name}`, parts, w);
    },
  };
}

/** Every stage's modules and optimizers under `<stage>_`. */
function prefixed(stages: ChainStage[]) {
  const modules: Record<string, Module> = {};
  const optimizers: Record<string, HarnessOptimizer> = {};
  const generators: string[] = [];
  for (const { name, harness } of stages) {
    for (const [m, module] of Object.entries(harness.modules)) modules[`${name}_${m}`] = module;
    for (const [o, spec] of Object.entries(harness.optimizers)) {
      optimizers[`${name}_${o}`] = { ...spec, modules: spec.modules.map((m) => `${name}_${m}`) };
    }
    generators.push(...harness.generators.map((g) => `${name}_${g}`));
  }
  return { modules, optimizers, generators };
}

/** A stage's own generators out of the chain's (prefix removed). */
function own(generators: Record<string, Module>, stage: string): Record<string, Module> {
  const out: Record<string, Module> = {};
  for (const [k, v] of Object.entries(generators))
    if (k.startsWith(`${stage}_`)) out[k.slice(stage.length + 1)] = v;
  return out;
}

/**
 * A chain of conditional harnesses (FrankenGAN's structure): each stage trains on its
 * own pairs, in one step, as one run (one checkpoint, one resume); at inference stage
 * i's output is stage i+1's input. The sample grid shows each stage on its own pair,
 * then the whole chain from the first stage's input.
 */
export function chain(stages: ChainStage[], name = 'chain'): ChainHarness {
  checkStages(stages);
  const { modules, optimizers, generators } = prefixed(stages);
  const first = stages[0]!;
  const run = (
    input: tf.Tensor4D,
    gens: Record<string, Module> = modules,
    styles: Record<string, tf.Tensor2D> = {},
  ) => {
    const outputs: tf.Tensor4D[] = [];
    let x = input;
    for (const s of stages) {
      x = s.translate(x, own(gens, s.name), styles[s.name], [...outputs]);
      outputs.push(x);
    }
    return outputs;
  };
  const runAsync = async (
    input: tf.Tensor4D,
    gens: Record<string, Module> = modules,
    styles: Record<string, tf.Tensor2D> = {},
  ) => {
    const outputs: tf.Tensor4D[] = [];
    let x = input;
    for (const s of stages) {
      const args = [x, own(gens, s.name), styles[s.name], [...outputs]] as const;
      x = s.translateAsync ? await s.translateAsync(...args) : s.translate(...args);
      outputs.push(x);
    }
    return outputs;
  };
  return {
    name,
    stages,
    config: {
      stages: stages.map((s) => ({
        name: s.name,
        harness: s.harness.name,
        options: s.harness.config,
      })),
    } as JsonObject,
    modules,
    optimizers,
    generators,
    ...(first.harness.monitor ? { monitor: `${first.name}_${first.harness.monitor}` } : {}),
    run,
    runAsync,
    check(batch) {
      for (const s of stages) s.harness.check(pairOf(batch, s.name));
    },
    step([batch], ctx) {
      for (const s of stages)
        s.harness.step([pairOf(batch!, s.name)], stageContext(ctx, `${s.name}_`));
    },
    samples(batch, gens): SampleColumn[] {
      const columns: SampleColumn[] = [];
      for (const s of stages) {
        for (const c of s.harness.samples(pairOf(batch, s.name), own(gens, s.name)))
          columns.push({ title: `${s.name}: ${c.title}`, images: c.images });
      }
      const input = pairOf(batch, first.name).A;
      const outputs = run(input, gens);
      columns.push({ title: 'chain: input', images: input });
      // A stage that renders finer (FrankenGAN's details) is shown at the input's size.
      const [h, w] = input.shape.slice(1, 3) as [number, number];
      for (const [i, images] of outputs.entries()) {
        const shown =
          images.shape[1] === h && images.shape[2] === w
            ? images
            : (tf.image.resizeBilinear(images, [h, w], true) as tf.Tensor4D);
        columns.push({ title: `chain: ${stages[i]!.name}`, images: shown });
      }
      return columns;
    },
    createModule(moduleName): Module {
      const s = stages.find((st) => moduleName.startsWith(`${st.name}_`));
      if (!s) throw new ShapeError(`${name}: no module '${moduleName}' to create`);
      return s.harness.createModule(moduleName.slice(s.name.length + 1));
    },
    state(): Json {
      return Object.fromEntries(stages.map((s) => [s.name, s.harness.state?.() ?? null]));
    },
    setState(state) {
      const saved = (state ?? {}) as Record<string, Json>;
      for (const s of stages) s.harness.setState?.(saved[s.name] ?? null);
    },
    afterLoad() {
      for (const s of stages) s.harness.afterLoad?.();
    },
    dispose() {
      for (const s of stages) s.harness.dispose();
    },
  };
}

/**
 * A chain's data: each stage's pair dataset, zipped by index (as long as the shortest),
 * its fields renamed to `<stage>_A`, `<stage>_B`.
 */
export function chainData(datasets: Record<string, Dataset<unknown>>): Dataset<ChainBatch> {
  const entries = Object.entries(datasets);
  const sizes = entries.map(([, d]) => d.size ?? 0);
  if (
    entries.length === 0 ||
    sizes.some((s) => s === 0) ||
    entries.some(([, d]) => !d.randomAccess)
  )
    throw new ArgumentError(
      'chainData: expected one random-access dataset of known size per stage',
    );
  const size = Math.min(...sizes);
  return Dataset.indexed(size, async (index, epoch) => {
    const out: ChainBatch = {};
    for (const [stage, dataset] of entries) {
      const pair = (await dataset.get(index, epoch)) as { A: tf.Tensor4D; B: tf.Tensor4D };
      out[`${stage}_A`] = pair.A;
      out[`${stage}_B`] = pair.B;
    }
    return out;
  });
}
