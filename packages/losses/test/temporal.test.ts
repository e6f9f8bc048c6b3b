import { tf } from '@atelier/core';
import { checkGrad, describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { occlusionMask, temporalLoss, warp } from '../src/index.js';
import { expectClose, expectNoLeak, fixture, points, tensor } from './helpers.js';

const F = () => fixture().warp;

describeBackends('warp, occlusion and the temporal loss', (backend) => {
  it("warp equals grid_sample(align_corners=True) with 'border' and 'zeros' padding, values and gradients", async () => {
    const f = F();
    const [image, flow, proj] = [tensor(f.image), tensor(f.flow), tensor(f.projection)];
    for (const padding of ['border', 'zeros'] as const) {
      await expectNoLeak(async () => {
        const out = warp(image, flow, { padding });
        expect(out.shape).toEqual(image.shape);
        await expectClose(out, f[padding].out, 1e-5);
        const [gi, gf] = tf.grads((i: tf.Tensor, fl: tf.Tensor) =>
          tf.sum(tf.mul(warp(i, fl, { padding }), proj)),
        )([image, flow]);
        await expectClose(gi!, f[padding].grad_image, 1e-5);
        await expectClose(gf!, f[padding].grad_flow, 1e-4, 1e-3);
        tf.dispose([out, gi!, gf!]);
      });
    }
    tf.dispose([image, flow, proj]);
  });

  it('warp: zero flow is the identity, integer flow a shift; gradients agree with finite differences', async () => {
    const image = tf.tidy(() => tf.reshape(tf.range(0, 24, 1, 'float32'), [1, 3, 4, 2]));
    const zero = tf.zeros([1, 3, 4, 2]);
    const same = warp(image, zero);
    await expectClose(same, Array.from(await image.data()), 1e-6);
    // u = 1 everywhere: out(x) = image(x + 1), the last column repeated ('border').
    const right = tf.tidy(() => tf.concat([tf.ones([1, 3, 4, 1]), tf.zeros([1, 3, 4, 1])], 3));
    const shifted = await warp(image, right).data();
    const src = await image.data();
    expect(shifted[0]).toBe(src[2]);
    expect(shifted[6]).toBe(src[6]);
    // Away from integer sample positions (where bilinear weights kink).
    const img = tf.tensor(
      [0.2, 0.9, 0.4, 0.1, 0.7, 0.3, 0.8, 0.5, 0.6, 0.05, 0.35, 0.95],
      [1, 3, 4, 1],
    );
    const flow = tf.tensor(
      Array.from({ length: 24 }, (_, i) => ((i * 0.37) % 1.6) - 0.8 + 0.013),
      [1, 3, 4, 2],
    );
    const maxPoints = points(backend, 24);
    for (const padding of ['border', 'zeros'] as const) {
      const r = await checkGrad((i, fl) => warp(i!, fl!, { padding }), [img, flow], {
        maxPoints,
        step: 1e-3,
      });
      expect(r.ok, `${padding}: ${JSON.stringify(r.failures)}`).toBe(true);
    }
    tf.dispose([image, zero, same, right, img, flow]);
  });

  it('temporalLoss = mean(c · (x - warp(prev, flow))²), as Ruder et al.', async () => {
    const f = F();
    const [cur, prev, flow, mask] = [f.current, f.image, f.flow, f.mask].map(tensor);
    await expectNoLeak(async () => {
      const loss = temporalLoss(cur!, prev!, { flow: flow!, mask: mask! });
      await expectClose(loss, f.temporal);
      const warped = warp(prev!, flow!);
      const again = temporalLoss(cur!, warped, { mask: mask! });
      await expectClose(again, f.temporal);
      tf.dispose([loss, warped, again]);
    });
    const small = (t: tf.Tensor) => tf.slice(t, [0, 0, 0, 0], [1, 3, 3, t.shape[3]!]);
    const [c, p, fl, m] = [cur!, prev!, flow!, mask!].map(small);
    const r = await checkGrad((x) => temporalLoss(x!, p!, { flow: fl!, mask: m! }), [c!], {
      maxPoints: points(backend),
    });
    expect(r.ok, JSON.stringify(r.failures)).toBe(true);
    tf.dispose([cur!, prev!, flow!, mask!, c!, p!, fl!, m!]);
  });

  it("occlusionMask reproduces artistic-videos' consistency checker (hard and smoothed)", async () => {
    const f = fixture().occlusion;
    const [flow, reverse] = [tensor(f.flow), tensor(f.reverse)];
    await expectNoLeak(async () => {
      const hard = occlusionMask(flow, reverse, { smoothing: 0 });
      expect(hard.shape).toEqual([1, 12, 14, 1]);
      await expectClose(hard, f.hard, 0);
      const smooth = occlusionMask(flow, reverse);
      await expectClose(smooth, f.smooth, 1e-5);
      tf.dispose([hard, smooth]);
    });
    // The fixture exercises every branch: reliable pixels and each kind of zero.
    const hardRef = f.hard.data as number[];
    expect(hardRef.filter((v) => v === 1).length).toBeGreaterThan(40);
    expect(hardRef.filter((v) => v === 0).length).toBeGreaterThan(40);
    tf.dispose([flow, reverse]);
  });
});
