import { TransformerNet } from '@atelier/blocks';
import { ArgumentError, describe, FormatError, tf, writeSafetensors } from '@atelier/core';
import { readBytes, readStateDict, releaseStateDict, type WeightsSource } from '../io/weights.js';

/** The name the trainer saves the network under in its checkpoints. */
export const TRANSFORMER_MODULE = 'transformer';

/** The metadata key of core's training checkpoints. */
const CHECKPOINT_KEY = 'atelier.checkpoint';

/**
 * A trained TransformerNet from:
 * - pytorch/examples fast_neural_style weights (candy, mosaic, rain_princess, udnie or
 *   your own) as a .pth file, the 2017 pretrained files' torch 0.x format included, or
 *   converted to safetensors by `atelier convert`; the legacy `in*.running_mean/var`
 *   keys of the pretrained files are dropped, as the reference does (`del
 *   state_dict[k]` for keys matching `in\d+\.running_(mean|var)$`);
 * - a model `trainTransformer` saved (safetensors, PyTorch layout);
 * - a training checkpoint of `trainTransformer` (core's checkpoint format, the network
 *   saved under the module name 'transformer');
 * - the tensors of a state dict in PyTorch layout.
 * Loading is strict: a state dict of another network is a StateDictError listing every
 * missing and unexpected key.
 */
export async function loadTransformer(source: WeightsSource): Promise<TransformerNet> {
  const fn = 'loadTransformer';
  const net = new TransformerNet();
  try {
    if (typeof source === 'string' || source instanceof Uint8Array) {
      const bytes = typeof source === 'string' ? await readBytes(source, fn) : source;
      const read = await readStateDict(bytes, fn);
      try {
        if (CHECKPOINT_KEY in read.metadata) {
          // A training checkpoint: the network's state under modules.transformer.*, in
          // tfjs layouts (core's checkpoint format).
          const prefix = `modules.${TRANSFORMER_MODULE}.`;
          const dict: Record<string, tf.Tensor> = {};
          for (const [k, v] of Object.entries(read.tensors)) {
            if (k.startsWith(prefix)) dict[k.slice(prefix.length)] = v;
          }
          if (Object.keys(dict).length === 0) {
            throw new FormatError(
              `${fn}: this training checkpoint holds no '${TRANSFORMER_MODULE}' module (is it a style transfer checkpoint?)`,
            );
          }
          net.loadStateDict(dict);
        } else {
          net.loadStateDict(read.tensors, read.layout === 'torch' ? { from: 'torch' } : {});
        }
      } finally {
        releaseStateDict(read);
      }
    } else {
      const read = await readStateDict(source, fn);
      net.loadStateDict(read.tensors, { from: 'torch' });
    }
    net.eval();
    return net;
  } catch (error) {
    net.dispose();
    throw error;
  }
}

/**
 * The network's weights as safetensors bytes in PyTorch's layout and names, so
 * pytorch/examples' `neural_style.py eval` (after loading them into a dict) and
 * `loadTransformer` both read them.
 */
export async function transformerBytes(net: TransformerNet): Promise<Uint8Array> {
  if (!(net instanceof TransformerNet)) {
    throw new ArgumentError(`transformerBytes: expected a TransformerNet, got ${describe(net)}`);
  }
  const dict = net.stateDict({ to: 'torch' });
  try {
    return await writeSafetensors(dict, {
      layout: 'torch',
      format: 'pytorch-examples-transformer-net',
    });
  } finally {
    tf.dispose(Object.values(dict));
  }
}
