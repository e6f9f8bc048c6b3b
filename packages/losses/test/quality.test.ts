import { tf } from '@atelier/core';
import { checkGrad, describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { msSsim, msSsimLoss, psnr, ssim, ssimLoss } from '../src/index.js';
import { expectClose, expectNoLeak, fixture, points, tensor } from './helpers.js';

const F = () => fixture().quality;

describeBackends('quality metrics', (backend) => {
  it('psnr and ssim match scikit-image (gaussian_weights, sigma, use_sample_covariance=False) within 1e-4', async () => {
    const f = F();
    const [a, b, ga, gb, sa, sb] = [f.a, f.b, f.grey_a, f.grey_b, f.signed_a, f.signed_b].map(
      tensor,
    );
    await expectNoLeak(async () => {
      const out = [
        psnr(a!, b!, { dataRange: 1, reduction: 'none' }),
        ssim(a!, b!, { dataRange: 1, reduction: 'none' }),
        ssim(a!, b!, { dataRange: 1, sigma: 1.0, reduction: 'none' }),
        psnr(ga!, gb!, { dataRange: 255, reduction: 'none' }),
        ssim(ga!, gb!, { dataRange: 255, reduction: 'none' }),
        ssim(sa!, sb!, { dataRange: 2, reduction: 'none' }),
        psnr(sa!, sb!, { dataRange: 2, reduction: 'none' }),
        ssim(a!, b!, { dataRange: 1 }),
        ssimLoss(a!, b!, { dataRange: 1 }),
      ];
      await expectClose(out[0]!, f.psnr, 1e-4, 1e-5);
      await expectClose(out[1]!, f.ssim, 1e-4, 0);
      await expectClose(out[2]!, f.ssim_sigma1, 1e-4, 0);
      await expectClose(out[3]!, f.grey_psnr, 1e-4, 1e-5);
      await expectClose(out[4]!, f.grey_ssim, 1e-4, 0);
      await expectClose(out[5]!, f.signed_ssim, 1e-4, 0);
      await expectClose(out[6]!, f.signed_psnr, 1e-4, 1e-5);
      await expectClose(out[7]!, (f.ssim[0] + f.ssim[1]) / 2, 1e-4, 0);
      await expectClose(out[8]!, 1 - (f.ssim[0] + f.ssim[1]) / 2, 1e-4, 0);
      tf.dispose(out);
    });
    // Identical images: SSIM 1, PSNR infinite.
    const same = ssim(a!, a!, { dataRange: 1 });
    await expectClose(same, 1, 1e-6, 0);
    const inf = psnr(a!, a!, { dataRange: 1 });
    expect((await inf.data())[0]).toBe(Infinity);
    tf.dispose([a!, b!, ga!, gb!, sa!, sb!, same, inf]);
  });

  it('msSsim matches the multi-scale reference (scipy filters, skimage crop, TF downsampling)', async () => {
    const f = F();
    const [a, b] = [tensor(f.ms_a), tensor(f.ms_b)];
    await expectNoLeak(async () => {
      const value = msSsim(a, b, { dataRange: 1, weights: f.ms_weights, reduction: 'none' });
      await expectClose(value, f.ms_ssim, 1e-4, 0);
      const loss = msSsimLoss(a, b, { dataRange: 1, weights: f.ms_weights });
      await expectClose(loss, 1 - f.ms_ssim[0], 1e-4, 0);
      // One scale is SSIM itself.
      const one = msSsim(a, b, { dataRange: 1, weights: [1] });
      const plain = ssim(a, b, { dataRange: 1 });
      await expectClose(one, Array.from(await plain.data()), 1e-6, 0);
      tf.dispose([value, loss, one, plain]);
    });
    tf.dispose([a, b]);
  });

  it('ssim, msSsim and psnr gradients agree with finite differences', async () => {
    const f = F();
    const [ga, gb] = [tensor(f.grey_a), tensor(f.grey_b)];
    // [0, 1] images at 11×11 and one channel keep the check small.
    const x = tf.tidy(() => tf.div(tf.slice(ga, [0, 0, 0, 0], [1, 11, 11, 1]), 255));
    const y = tf.tidy(() => tf.div(tf.slice(gb, [0, 0, 0, 0], [1, 11, 11, 1]), 255));
    const maxPoints = points(backend);
    const r1 = await checkGrad((u) => ssim(u!, y, { dataRange: 1 }), [x], {
      maxPoints,
      step: 1e-3,
    });
    const r2 = await checkGrad((u) => psnr(u!, y, { dataRange: 1 }), [x], {
      maxPoints,
      step: 1e-3,
      rtol: 5e-2,
    });
    expect(r1.ok, JSON.stringify(r1.failures)).toBe(true);
    expect(r2.ok, JSON.stringify(r2.failures)).toBe(true);
    if (backend !== 'webgpu') {
      const [ma, mb] = [tensor(f.ms_a), tensor(f.ms_b)];
      const u0 = tf.tidy(() => tf.slice(ma, [0, 0, 0, 0], [1, 22, 23, 1]));
      const v0 = tf.tidy(() => tf.slice(mb, [0, 0, 0, 0], [1, 22, 23, 1]));
      const r3 = await checkGrad(
        (u) => msSsim(u!, v0, { dataRange: 1, weights: [0.4, 0.6] }),
        [u0],
        {
          maxPoints,
          step: 1e-3,
        },
      );
      expect(r3.ok, JSON.stringify(r3.failures)).toBe(true);
      tf.dispose([ma, mb, u0, v0]);
    }
    tf.dispose([ga, gb, x, y]);
  });
});
