import { init, tf } from '@atelier/core';
import { psnr, ssim } from '@atelier/losses';
import { it } from 'vitest';
import { displayRender, mcDenoiseTask, trainMcDenoiser } from '../src/index.js';

it('scratch', async () => {
  await init({ backend: (process.env.BK as 'wasm') ?? 'wasm' });
  const size = Number(process.env.SIZE ?? 32);
  const count = Number(process.env.COUNT ?? 128);
  let t0 = Date.now();
  const train = await mcDenoiseTask.data({ size, seed: 0, count });
  const test = await mcDenoiseTask.data({ size, seed: 0, count: 32, split: 'test' });
  console.log('render s', (Date.now() - t0) / 1000);
  const stack = async (ds: any, n: number) => {
    const out: Record<string, tf.Tensor[]> = {};
    for (let i = 0; i < n; i++) { const s = await ds.get(i); for (const [k, v] of Object.entries(s)) (out[k] ??= []).push(v as tf.Tensor); }
    const r: Record<string, tf.Tensor4D> = {};
    for (const [k, v] of Object.entries(out)) { r[k] = tf.stack(v) as tf.Tensor4D; tf.dispose(v); }
    return r;
  };
  const te = await stack(test.dataset, 32);
  const ref = displayRender(te.reference!) as tf.Tensor4D;
  const p = (a: tf.Tensor) => { const d = displayRender(a) as tf.Tensor4D; return [psnr(d, ref, { dataRange: 1 }).dataSync()[0]!.toFixed(2), ssim(d, ref, { dataRange: 1 }).dataSync()[0]!.toFixed(3)]; };
  console.log('noisy', p(te.noisy!));
  for (const buffers of [true, false]) {
    t0 = Date.now();
    const { model, result } = await trainMcDenoiser({
      data: train.dataset as any, size, steps: Number(process.env.STEPS ?? 200), batch: 8,
      options: { buffers, depth: Number(process.env.DEPTH ?? 6), features: Number(process.env.F ?? 24), lr: Number(process.env.LR ?? 2e-3) },
    });
    console.log('buffers', buffers, 'train s', (Date.now() - t0) / 1000, result.losses, p(model.denoise(te)));
    model.dispose();
  }
});
