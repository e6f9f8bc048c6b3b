import { writeFile } from 'node:fs/promises';
import { init, type Module, shutdown, tf } from '@atelier/core';
import type { GeneratorSpec, NetG } from '@atelier/gan';
import { exportOnnx } from '@atelier/onnx';
import { loadTransformer, TransformerInference } from '@atelier/style';
import { UsageError } from '../errors.js';
import { type Command, parse } from './command.js';
import { backendFlag, intFlag } from './flags.js';
import { buildGenerator, readWeights } from './load-generator.js';

export const exportUsage =
  'atelier export --net transformer|unet_256|unet_128|resnet_9blocks|resnet_6blocks --weights <file> ' +
  '[--size N | --height H --width W] [--norm batch|instance|none] [--ngf 64] [--in-channels 3] [--out-channels 3] ' +
  '[--backend auto|wasm|cpu] --out model.onnx';

/**
 * `atelier export`: a trained network as an ONNX file (opset 17), its weights included:
 * TransformerNet (pytorch/examples' .pth or ours; RGB in [0, 255] in and out, cropped
 * and clamped as `atelier style run`) or a pix2pix/CycleGAN generator (junyanz's
 * latest_net_G.pth or `atelier train`'s; [-1, 1] in and out). NHWC, eval mode.
 */
export async function exportCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    net: { type: 'string' },
    weights: { type: 'string' },
    size: { type: 'string' },
    height: { type: 'string' },
    width: { type: 'string' },
    norm: { type: 'string' },
    ngf: { type: 'string' },
    'in-channels': { type: 'string' },
    'out-channels': { type: 'string' },
    backend: { type: 'string' },
    out: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const net = values.net as string | undefined;
  const weights = values.weights as string | undefined;
  const out = values.out as string | undefined;
  if (!net) throw new UsageError('--net is required (transformer, unet_256, resnet_9blocks, ...)');
  if (!weights) throw new UsageError('--weights is required');
  if (!out) throw new UsageError('--out model.onnx is required');
  const norm = values.norm as string | undefined;
  if (norm !== undefined && !['batch', 'instance', 'none'].includes(norm)) {
    throw new UsageError(`--norm: expected batch, instance or none, got '${norm}'`);
  }
  const size = intFlag('size', values.size);
  const height = intFlag('height', values.height) ?? size;
  const width = intFlag('width', values.width) ?? size;
  await init({ backend: backendFlag(values.backend ?? 'wasm') });
  let module: Module | undefined;
  try {
    let shape: number[];
    if (net === 'transformer') {
      const transformer = await loadTransformer(weights);
      module = new TransformerInference(transformer);
      shape = [1, height ?? 256, width ?? 256, 3];
    } else {
      const { tensors, metadata } = await readWeights(weights);
      try {
        const built = buildGenerator(
          tensors,
          metadata,
          {
            net: net as NetG,
            ...(norm ? { norm: norm as GeneratorSpec['norm'] } : {}),
            ...(values.ngf ? { ngf: intFlag('ngf', values.ngf)! } : {}),
            ...(values['in-channels']
              ? { inChannels: intFlag('in-channels', values['in-channels'])! }
              : {}),
            ...(values['out-channels']
              ? { outChannels: intFlag('out-channels', values['out-channels'])! }
              : {}),
            ...(size ? { size } : {}),
          },
          'export',
          weights,
        );
        module = built.G;
        shape = [1, height ?? built.size, width ?? built.size, built.spec.inChannels];
      } finally {
        tf.dispose(Object.values(tensors));
      }
    }
    const bytes = await exportOnnx(module, { input: shape });
    await writeFile(out, bytes);
    process.stderr.write(
      `atelier export: wrote ${out} (${(bytes.length / 2 ** 20).toFixed(1)} MiB, opset 17, NHWC input [${shape.join(', ')}])\n`,
    );
  } finally {
    module?.dispose();
    await shutdown();
  }
}

export const exportCommandEntry: Command = {
  summary: 'write a trained TransformerNet or pix2pix/CycleGAN generator as an ONNX file',
  usage: exportUsage,
  run: exportCommand,
};
