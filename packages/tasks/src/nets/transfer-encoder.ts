import { VGG, vggLayerNames } from '@atelier/blocks';
import {
  ArgumentError,
  decodeWeights,
  describe,
  FormatError,
  type Module,
  rng,
  StateDictError,
  type tf,
} from '@atelier/core';
import { SceneEncoder } from './scene-encoder.js';

/** The VGG layers a transfer decoder can read, with the ×2 downsamplings before each. */
export const VGG_ENCODER_LAYERS = { relu1_2: 0, relu2_2: 1, relu3_3: 2 } as const;
export type VggEncoderLayer = keyof typeof VGG_ENCODER_LAYERS;

/** What builds an encoder: its kind and sizes (a transfer config holds these fields). */
export interface EncoderSpec {
  encoderKind: 'scene' | 'vgg';
  features: number;
  levels: number;
  vggLayer: VggEncoderLayer;
  seed: number;
}

/** An encoder of either kind: images [N, H, W, 3] in [0, 1] -> a representation. */
export type TransferEncoder = SceneEncoder | VGG;

/** A fresh encoder of `spec` (seeded weights). */
export function createEncoder(spec: EncoderSpec): TransferEncoder {
  const seed = rng(spec.seed).fork('encoder');
  if (spec.encoderKind === 'vgg') return new VGG({ depth: 16, layers: [spec.vggLayer], seed });
  return new SceneEncoder({ features: spec.features, levels: spec.levels }, seed);
}

/** Channels of the encoder's representation. */
export function encoderChannels(spec: EncoderSpec): number {
  if (spec.encoderKind === 'vgg') return 64 * 2 ** VGG_ENCODER_LAYERS[spec.vggLayer];
  return spec.features * 2 ** (spec.levels - 1);
}

/** The representation of images [N, H, W, 3] in [0, 1]. */
export function encode(encoder: Module, images: tf.Tensor4D): tf.Tensor4D {
  if (encoder instanceof VGG) return Object.values(encoder.forward(images))[0]!;
  return (encoder as SceneEncoder).forward(images);
}

/**
 * A torchvision VGG state dict cut to the convs up to `layer` (VGG-16 and VGG-19 agree
 * up to relu3_3): the deeper convs and the classifier are dropped, so a full
 * vgg16/vgg19 checkpoint and one holding only the first convs both load.
 */
export function vggWeightsUpTo(
  tensors: Record<string, tf.Tensor>,
  layer: VggEncoderLayer,
): Record<string, tf.Tensor> {
  const last = vggLayerNames(16).indexOf(layer);
  const out: Record<string, tf.Tensor> = {};
  for (const [key, t] of Object.entries(tensors)) {
    const m = /^features\.(\d+)\.(weight|bias)$/.exec(key);
    if (m && Number(m[1]) <= last) out[key] = t;
  }
  return out;
}

/** What a source file gave: the encoder's spec (as far as the file decides it), its weights and what it learnt. */
export interface EncoderSource {
  spec: Partial<EncoderSpec> & Pick<EncoderSpec, 'encoderKind'>;
  /** What the encoder was trained on: a target task, or 'ImageNet (torchvision VGG)'. */
  source: string;
  /** The weights in PyTorch layout; the caller disposes them. */
  tensors: Record<string, tf.Tensor>;
}

/** Node's fs and path, without a static import (the package also runs in browsers). */
function nodeFs(where: string) {
  const p = (globalThis as { process?: NodeJS.Process }).process;
  const fs = p?.getBuiltinModule?.('node:fs');
  const path = p?.getBuiltinModule?.('node:path');
  if (!fs || !path)
    throw new ArgumentError(`${where}: reading an encoder from a path needs Node (>= 20.16)`);
  return { fs, path };
}

/**
 * Reads the encoder a transfer starts from: a transfer run folder (its
 * `encoder.safetensors`) or that file, or a torchvision VGG state dict (.pth or
 * .safetensors, `features.N.weight` keys). Typed errors for a missing file, a file
 * that is not weights, and weights of anything else.
 */
export function readEncoderSource(file: string, where: string): EncoderSource {
  if (typeof file !== 'string' || file === '')
    throw new ArgumentError(`${where}: encoder must be a path, got ${describe(file)}`);
  const { fs, path } = nodeFs(where);
  let name = file;
  const info = fs.statSync(name, { throwIfNoEntry: false });
  if (!info) throw new ArgumentError(`${where}: encoder ${file} does not exist`);
  if (info.isDirectory()) {
    name = path.join(file, 'encoder.safetensors');
    if (!fs.existsSync(name))
      throw new ArgumentError(
        `${where}: ${file} has no encoder.safetensors (not a finished transfer run)`,
      );
  }
  const { tensors, metadata } = decodeWeights(new Uint8Array(fs.readFileSync(name)), name);
  const harness = metadata['atelier.harness'];
  if (harness === 'transfer') {
    let config: Record<string, unknown>;
    try {
      config = JSON.parse(metadata['atelier.config'] ?? '') as Record<string, unknown>;
    } catch {
      tfDispose(tensors);
      throw new FormatError(`${where}: ${name} has no readable atelier.config metadata`);
    }
    const encoderKind = config.encoderKind === 'vgg' ? 'vgg' : 'scene';
    return {
      spec: {
        encoderKind,
        features: config.features as number,
        levels: config.levels as number,
        vggLayer: config.vggLayer as VggEncoderLayer,
      },
      source:
        encoderKind === 'vgg'
          ? `${String(config.source)}, then ${String(config.target)}`
          : String(config.target),
      tensors,
    };
  }
  if (harness !== undefined) {
    tfDispose(tensors);
    throw new FormatError(
      `${where}: ${name} holds weights of '${harness}', not a transfer run's encoder or a torchvision VGG`,
    );
  }
  if (!tensors['features.0.weight']) {
    const keys = Object.keys(tensors);
    tfDispose(tensors);
    throw new StateDictError(
      `${where}: ${name} is neither a transfer run's encoder nor a torchvision VGG state dict (no 'features.0.weight'; first keys: ${keys.slice(0, 4).join(', ') || 'none'})`,
    );
  }
  return { spec: { encoderKind: 'vgg' }, source: 'ImageNet (torchvision VGG)', tensors };
}

function tfDispose(tensors: Record<string, tf.Tensor>): void {
  for (const t of Object.values(tensors)) t.dispose();
}
