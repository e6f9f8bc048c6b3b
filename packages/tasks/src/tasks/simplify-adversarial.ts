import type { tf } from '@atelier/core';
import type { LossTerms, StepContext } from '@atelier/gan';

/** Where a Mastering Sketching run is at a step. */
export type AdversarialPhase = 'supervised' | 'pretrain-d' | 'joint';

/**
 * Mastering Sketching's schedule (the reference's train_adv.lua starts from the model
 * trained with the supervised loss alone and trains the discriminator alone for its
 * first 1000 iterations): `warmup` steps of the supervised loss only, then `pretrainD`
 * steps of D alone on S's outputs (S fixed), then both.
 */
export function adversarialPhase(
  step: number,
  warmup: number,
  pretrainD: number,
): AdversarialPhase {
  if (step < warmup) return 'supervised';
  if (step < warmup + pretrainD) return 'pretrain-d';
  return 'joint';
}

/** What one adversarial step needs: the networks as functions and this step's sketches. */
export interface AdversarialStep {
  /** S: rough sketches to line drawings, [0, 1]. */
  simplify(rough: tf.Tensor4D): tf.Tensor4D;
  /** D on line drawings in [0, 1]: its logits. */
  judge(drawing: tf.Tensor4D): tf.Tensor;
  /** The GAN loss of logits against the real (true) or fake label. */
  gan(logits: tf.Tensor, real: boolean): tf.Scalar;
  /** The supervised loss of S's output against the clean target. */
  supervised(output: tf.Tensor4D, target: tf.Tensor4D): tf.Scalar;
  /** Paired rough sketches and their (binarised) clean targets. */
  rough: tf.Tensor4D;
  clean: tf.Tensor4D;
  /** Unpaired rough sketches and unpaired clean drawings; absent without unpaired data. */
  roughU?: tf.Tensor4D;
  cleanU?: tf.Tensor4D;
  /** Weights α (adversarial term on the pairs) and β (on unpaired data). */
  alpha: number;
  beta: number;
}

/** D's terms: clean drawings (paired and unpaired) as real, S's outputs as fakes. */
function discriminatorTerms(s: AdversarialStep, out: tf.Tensor4D, outU?: tf.Tensor4D): LossTerms {
  const terms: LossTerms = {
    D_real: s.gan(s.judge(s.clean), true),
    D_fake: s.gan(s.judge(out), false),
  };
  if (outU && s.cleanU) {
    terms.D_real_u = s.gan(s.judge(s.cleanU), true);
    terms.D_fake_u = s.gan(s.judge(outU), false);
  }
  return terms;
}

/**
 * One training step of Mastering Sketching (Simo-Serra, Iizuka, Ishikawa 2018) in its
 * phase. S minimises the supervised loss + α·GAN(D(S(x)), real) (+ β·GAN(D(S(x_u)),
 * real) on unpaired rough sketches); D minimises GAN(D(y), real) + GAN(D(S(x)), fake)
 * (+ unpaired clean drawings as real, S of unpaired rough as fake), unweighted (Adam
 * ignores a constant scale). In the joint phase D steps first, on this step's outputs,
 * as pix2pix; while D is pretrained S does not move.
 */
export function adversarialStep(
  ctx: StepContext,
  phase: AdversarialPhase,
  s: AdversarialStep,
): void {
  const unpaired = s.roughU !== undefined && s.cleanU !== undefined;
  if (phase === 'supervised') {
    ctx.update('S', () => ({ mse: s.supervised(s.simplify(s.rough), s.clean) }));
    return;
  }
  if (phase === 'pretrain-d') {
    // S's error is logged (weight 0) so that every step reports it.
    ctx.update(
      'D',
      () => {
        const out = s.simplify(s.rough);
        return {
          ...discriminatorTerms(s, out, unpaired ? s.simplify(s.roughU!) : undefined),
          mse: s.supervised(out, s.clean),
        };
      },
      { mse: 0 },
    );
    return;
  }
  ctx.update(
    'S',
    (): LossTerms => {
      const out = s.simplify(s.rough);
      const outU = unpaired ? s.simplify(s.roughU!) : undefined;
      ctx.update('D', () => discriminatorTerms(s, out, outU));
      const terms: LossTerms = {
        mse: s.supervised(out, s.clean),
        adv: s.gan(s.judge(out), true),
      };
      if (outU) terms.adv_u = s.gan(s.judge(outU), true);
      return terms;
    },
    { adv: s.alpha, adv_u: s.beta },
  );
}
