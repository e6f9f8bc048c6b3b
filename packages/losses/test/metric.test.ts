import { tf } from '@atelier/core';
import { checkGrad, describeBackends } from '@atelier/core/testing';
import { expect, it } from 'vitest';
import { contrastive, triplet } from '../src/index.js';
import { expectClose, expectNoLeak, fixture, points, tensor } from './helpers.js';

const F = () => fixture().metric;

describeBackends('metric learning', (backend) => {
  it('contrastive matches Hadsell et al. (closed form in PyTorch); triplet matches F.triplet_margin_loss', async () => {
    const f = F();
    const [a, b, same, an, po, ne] = [f.a, f.b, f.same, f.anchor, f.positive, f.negative].map(
      tensor,
    );
    await expectNoLeak(async () => {
      const out = [
        contrastive(a!, b!, same!, { margin: 1.5, reduction: 'none' }),
        contrastive(a!, b!, same!, { margin: 1.5 }),
        triplet(an!, po!, ne!, { reduction: 'none' }),
        triplet(an!, po!, ne!),
        triplet(an!, po!, ne!, { swap: true }),
        triplet(an!, po!, ne!, { p: 1, margin: 0.5 }),
        triplet(an!, po!, ne!, { p: 3 }),
      ];
      await expectClose(out[0]!, f.contrastive_none);
      await expectClose(out[1]!, f.contrastive_mean);
      await expectClose(out[2]!, f.triplet_none);
      await expectClose(out[3]!, f.triplet_mean);
      await expectClose(out[4]!, f.triplet_swap);
      await expectClose(out[5]!, f.triplet_p1);
      await expectClose(out[6]!, f.triplet_p3);
      tf.dispose(out);
    });
    // The fixture has active and inactive hinges, so both branches are compared.
    expect(f.triplet_none.data.some((v: number) => v === 0)).toBe(true);
    expect(f.triplet_none.data.some((v: number) => v > 0)).toBe(true);
    const maxPoints = points(backend);
    const r1 = await checkGrad((x, y) => contrastive(x!, y!, same!, { margin: 1.5 }), [a!, b!], {
      maxPoints,
    });
    const r2 = await checkGrad((x, y, z) => triplet(x!, y!, z!), [an!, po!, ne!], { maxPoints });
    expect(r1.ok, JSON.stringify(r1.failures)).toBe(true);
    expect(r2.ok, JSON.stringify(r2.failures)).toBe(true);
    tf.dispose([a!, b!, same!, an!, po!, ne!]);
  });
});
