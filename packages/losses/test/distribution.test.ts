import { tf } from '@atelier/core';
import { checkGrad, describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { klGaussians, klNormal } from '../src/index.js';
import { expectClose, expectNoLeak, fixture, points, tensor } from './helpers.js';

const F = () => fixture().kl;

describeBackends('KL divergences', (backend) => {
  it('match torch.distributions.kl_divergence under every reduction', async () => {
    const f = F();
    const [mu, logvar, mu2, var2] = [f.mu, f.logvar, f.mu2, f.var2].map(tensor);
    const std2 = tf.sqrt(var2!);
    const logvar2 = tf.log(var2!);
    await expectNoLeak(async () => {
      const out = [
        klNormal(mu!, logvar!, { reduction: 'none' }),
        klNormal(mu!, logvar!),
        klNormal(mu!, logvar!, { reduction: 'sum' }),
        klNormal(mu!, logvar!, { reduction: 'mean' }),
        klGaussians(
          { mean: mu!, logvar: logvar! },
          { mean: mu2!, variance: var2! },
          { reduction: 'none' },
        ),
        klGaussians({ mean: mu!, logvar: logvar! }, { mean: mu2!, variance: var2! }),
        klGaussians({ mean: mu!, logvar: logvar! }, { mean: mu2!, std: std2 }),
        klGaussians({ mean: mu!, logvar: logvar! }, { mean: mu2!, logvar: logvar2 }),
      ];
      await expectClose(out[0]!, f.normal_none);
      await expectClose(out[1]!, f.normal_batchmean);
      await expectClose(out[2]!, f.normal_sum);
      await expectClose(out[3]!, f.normal_mean);
      await expectClose(out[4]!, f.gaussians_none);
      for (const o of out.slice(5)) await expectClose(o, f.gaussians_batchmean);
      tf.dispose(out);
    });
    // Against N(0, I), klGaussians and klNormal agree.
    const zeros = tf.zerosLike(mu!);
    const both = [
      klNormal(mu!, logvar!),
      klGaussians({ mean: mu!, logvar: logvar! }, { mean: zeros, logvar: zeros }),
    ];
    await expectClose(both[0]!, Array.from(await both[1]!.data()));
    const maxPoints = points(backend);
    const r1 = await checkGrad((m, l) => klNormal(m!, l!), [mu!, logvar!], { maxPoints });
    const r2 = await checkGrad(
      (m, l, m2, v2) => klGaussians({ mean: m!, logvar: l! }, { mean: m2!, variance: v2! }),
      [mu!, logvar!, mu2!, var2!],
      { maxPoints },
    );
    expect(r1.ok, JSON.stringify(r1.failures)).toBe(true);
    expect(r2.ok, JSON.stringify(r2.failures)).toBe(true);
    tf.dispose([mu!, logvar!, mu2!, var2!, std2, logvar2, zeros, ...both]);
  });
});
