import { readFileSync } from 'node:fs';
import {
  ConvEncoder,
  type LatentEncoder,
  MultiscaleDiscriminator,
  ResnetEncoder,
  UnetZGenerator,
} from '@atelier/blocks';
import { type Module, readSafetensors, tf } from '@atelier/core';
import { describeBackends, relativeError } from '@atelier/core/testing';
import { expect, it } from 'vitest';

// BicycleGAN's networks against junyanz/BicycleGAN's, rebuilt in PyTorch with the same
// seeded weights (fixtures by tools/parity/bicyclegan_nets.py): G_Unet_add_all,
// G_Unet_add_input, E_ResNet, E_NLayers and D_NLayersMulti load the reference's state dict by its own
// keys (D's `model_<i>` are our `scales.<i>.model`) and give its outputs.

function fixture(name: string) {
  const bytes = readFileSync(
    new URL(`./fixtures/bicyclegan-nets/${name}.safetensors`, import.meta.url),
  );
  const { tensors, metadata } = readSafetensors(new Uint8Array(bytes));
  const state: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith('state.')) state[k.slice(6)] = v;
  const nhwc = (k: string) => tf.transpose(tensors[k]!, [0, 2, 3, 1]) as tf.Tensor4D;
  return { tensors, state, nhwc, config: JSON.parse(metadata.config!) as Record<string, unknown> };
}

function load<M extends Module>(module: M, state: Record<string, tf.Tensor>): M {
  module.loadStateDict(state, { from: 'torch' });
  module.eval();
  return module;
}

describeBackends('BicycleGAN networks against the reference', () => {
  for (const [name, what] of [
    ['g-unet-add-all-64', 'G_Unet_add_all: z at every level'],
    ['g-unet-add-input-64', 'G_Unet_add_input: z beside the image input only'],
  ] as const) {
    it(what, async () => {
      const f = fixture(name);
      const G = load(new UnetZGenerator(f.config as never), f.state);
      expect(G.whereAdd).toBe(f.config.whereAdd);
      const y = G.forward(f.nhwc('input'), f.tensors.z!);
      expect(await relativeError(y, f.nhwc('output'))).toBeLessThan(1e-4);
      G.dispose();
      tf.dispose([...Object.values(f.tensors), y]);
    });
  }

  for (const [name, make] of [
    ['e-resnet-32', (c: object) => new ResnetEncoder(c)],
    ['e-conv-32', (c: object) => new ConvEncoder(c)],
  ] as const) {
    it(`${name}: μ and log σ²`, async () => {
      const f = fixture(name);
      const E = load(make(f.config) as LatentEncoder, f.state);
      const { mu, logvar } = E.forward(f.nhwc('input'));
      expect(await relativeError(mu, f.tensors.mu!)).toBeLessThan(1e-4);
      expect(await relativeError(logvar, f.tensors.logvar!)).toBeLessThan(1e-4);
      E.dispose();
      tf.dispose([...Object.values(f.tensors), mu, logvar]);
    });
  }

  it('D_NLayersMulti: two scales, the second on the average-pooled image', async () => {
    const f = fixture('d-basic-128-multi-32');
    const state = Object.fromEntries(
      Object.entries(f.state).map(([k, v]) => [k.replace(/^model_(\d+)\./, 'scales.$1.model.'), v]),
    );
    const D = load(new MultiscaleDiscriminator(f.config as never), state);
    const out = D.forward(f.nhwc('input'));
    expect(out.length).toBe(2);
    for (let i = 0; i < 2; i++) {
      expect(await relativeError(out[i]!, f.nhwc(`output.${i}`)), `scale ${i}`).toBeLessThan(1e-4);
    }
    D.dispose();
    tf.dispose([...Object.values(f.tensors), ...out]);
  });
});
