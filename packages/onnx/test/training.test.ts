import { BatchNorm2d, Conv2d, ConvTranspose2d, Dropout } from '@atelier/blocks';
import { Module, type Rng, rng, tf } from '@atelier/core';
import { describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { adamUpdate, OnnxTrainingError, TrainingSession, traceTrainingStep } from '../src/index.js';

/**
 * conv 3×3 → batch norm → leaky ReLU → conv 4×4 s2 → dropout → transposed conv 4×4 s2 →
 * tanh. The first conv has no bias, as before junyanz's batch norms: a bias there gets a
 * gradient of rounding noise only (the norm takes the mean out), which Adam's m/√v
 * scales up to whole steps, so no two summation orders agree on it.
 */
class Net extends Module {
  readonly conv1 = new Conv2d({
    inChannels: 3,
    outChannels: 8,
    kernelSize: 3,
    padding: 1,
    bias: false,
    seed: 1,
  });
  readonly norm = new BatchNorm2d(8);
  readonly conv2 = new Conv2d({
    inChannels: 8,
    outChannels: 8,
    kernelSize: 4,
    stride: 2,
    padding: 1,
    seed: 2,
  });
  readonly drop = new Dropout({ p: 0.5, seed: 3 });
  readonly up = new ConvTranspose2d({
    inChannels: 8,
    outChannels: 3,
    kernelSize: 4,
    stride: 2,
    padding: 1,
    seed: 4,
  });
  forward(x: tf.Tensor4D): tf.Tensor4D {
    const h = tf.leakyRelu(this.norm.call(this.conv1.call(x)) as tf.Tensor4D, 0.2);
    return tf.tanh(this.up.call(this.drop.call(this.conv2.call(h)))) as tf.Tensor4D;
  }
}

interface Run {
  net: Net;
  optimizer: tf.AdamOptimizer;
  noise: Rng;
}

function makeRun(): Run {
  const net = new Net();
  net.train();
  return { net, optimizer: tf.train.adam(0.01, 0.5, 0.999), noise: rng(9) };
}

/** The step's loss: the net on a noisy input against the target, L1 plus a small L2. */
function loss(run: Run, x: tf.Tensor4D, target: tf.Tensor4D): tf.Scalar {
  const noisy = tf.add(x, tf.mul(run.noise.normal(x.shape), 0.1)) as tf.Tensor4D;
  const out = run.net.call(noisy) as tf.Tensor4D;
  return tf.add(tf.mean(tf.abs(tf.sub(out, target))), tf.mul(tf.mean(tf.square(out)), 0.1));
}

const LR = [0.01, 0.01, 0.005, 0.005, 0.0025];

/** The tfjs engine: tfjs's own Adam, the learning rate set on the optimizer. */
function tfjsStep(run: Run, x: tf.Tensor4D, target: tf.Tensor4D, step: number): number {
  (run.optimizer as unknown as { learningRate: number }).learningRate = LR[step]!;
  const { value, grads } = tf.variableGrads(
    () => loss(run, x, target),
    run.net.trainableParameters(),
  );
  run.optimizer.applyGradients(grads as never);
  const v = value.dataSync()[0]!;
  tf.dispose([value, ...Object.values(grads)]);
  return v;
}

function batch(step: number): { x: tf.Tensor4D; target: tf.Tensor4D } {
  const r = rng(100 + step);
  return { x: r.uniform([2, 8, 8, 3], -1, 1), target: r.uniform([2, 8, 8, 3], -1, 1) };
}

async function parameters(net: Module): Promise<Float32Array[]> {
  return Promise.all(
    [...net.parameters(), ...net.buffers()].map(async (p) => (await p.data()) as Float32Array),
  );
}

describeBackends(
  'training steps on onnxruntime',
  () => {
    it('5 steps agree with the tfjs engine: parameters, batch-norm statistics, losses', async () => {
      const reference = makeRun();
      const engine = makeRun();
      const expectedLosses: number[] = [];
      for (let s = 0; s < 5; s++) {
        const { x, target } = batch(s);
        expectedLosses.push(tfjsStep(reference, x, target, s));
        tf.dispose([x, target]);
      }

      // The trace is a dry run (undone); all five steps run on onnxruntime.
      const initial = await parameters(engine.net);
      const negativeLr = tf.scalar(-LR[0]!);
      const first = batch(0);
      const graph = await traceTrainingStep({
        what: 'test',
        feeds: { x: first.x, target: first.target, lr: negativeLr },
        step: () => {
          const { value, grads } = tf.variableGrads(
            () => loss(engine, first.x, first.target),
            engine.net.trainableParameters(),
          );
          adamUpdate(engine.optimizer, grads, negativeLr, 'test');
          tf.dispose(Object.values(grads));
          return { loss: value };
        },
        undo: () => {
          (engine.optimizer as unknown as { iterations_: number }).iterations_ -= 1;
        },
      });
      tf.dispose([first.x, first.target, negativeLr]);
      expect(graph.draws.map((d) => d.method)).toEqual(['normal', 'bernoulli']);
      // The dry run left the weights, the statistics and the streams as they were.
      expect(await parameters(engine.net)).toEqual(initial);
      expect(engine.optimizer.iterations).toBe(0);
      const session = await TrainingSession.create(graph, { threads: 1 });
      const before = tf.memory().numTensors;
      const losses: number[] = [];
      for (let s = 0; s < 5; s++) {
        const { x, target } = batch(s);
        const lr = tf.scalar(-LR[s]!);
        losses.push((await session.run({ x, target, lr })).loss![0]!);
        tf.dispose([x, target, lr]);
      }
      expect(tf.memory().numTensors).toBe(before);
      session.syncToTfjs();
      await session.release();

      for (let s = 0; s < 5; s++)
        expect(Math.abs(losses[s]! - expectedLosses[s]!)).toBeLessThan(1e-4);
      const [want, got] = [await parameters(reference.net), await parameters(engine.net)];
      const names = [...reference.net.namedParameters(), ...reference.net.namedBuffers()].map(
        ([n]) => n,
      );
      want.forEach((w, i) => {
        let diff = 0;
        let scale = 0;
        for (let j = 0; j < w.length; j++) {
          diff = Math.max(diff, Math.abs(w[j]! - got[i]![j]!));
          scale = Math.max(scale, Math.abs(w[j]!));
        }
        expect(diff, `${names[i]}: max difference ${diff}`).toBeLessThan(1e-4 * Math.max(1, scale));
      });
      // The parameters moved: the agreement is not of two untouched copies.
      const moved = (await parameters(engine.net)).some((p, i) =>
        p.some((v, j) => Math.abs(v - initial[i]![j]!) > 1e-3),
      );
      expect(moved).toBe(true);
      reference.net.dispose();
      engine.net.dispose();
      reference.optimizer.dispose();
      engine.optimizer.dispose();
    });

    it('refuses a step that draws numbers on the host, and an optimizer other than Adam', async () => {
      const run = makeRun();
      const x = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
      await expect(
        traceTrainingStep({
          what: "harness 'host'",
          feeds: { x },
          step: () => {
            const flip = run.noise.float() < 0.5;
            return { out: tf.sum(flip ? x : tf.neg(x)) };
          },
        }),
      ).rejects.toThrow(/harness 'host': the step draws random numbers on the host \(Rng.float\)/);
      const sgd = tf.train.sgd(0.1);
      await expect(
        traceTrainingStep({
          what: "harness 'sgd'",
          feeds: { x },
          step: () => {
            const { value, grads } = tf.variableGrads(
              () => tf.mean(run.net.call(x) as tf.Tensor),
              run.net.trainableParameters(),
            );
            adamUpdate(sgd, grads, tf.scalar(-0.1), "harness 'sgd'");
            return { value };
          },
        }),
      ).rejects.toThrow(OnnxTrainingError);
      x.dispose();
      run.net.dispose();
    });
  },
  { only: ['cpu', 'wasm'] },
);
