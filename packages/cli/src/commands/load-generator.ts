/**
 * Reading a generator's weights and building the network they describe: shared by
 * `translate`, its multimodal and chained forms, and `export`, so none of them imports
 * another command.
 */
import {
  ArgumentError,
  checkFiniteWeights,
  errorWithName,
  FormatError,
  type Module,
  readWeightsFile,
  rng,
  tf,
} from '@atelier/core';
import {
  createGenerator,
  type GeneratorSpec,
  type NetG,
  parseNetG,
  sizeMultiple,
} from '@atelier/gan';
import { UsageError } from '../errors.js';
import { checkGeneratorFits, parseExportedConfig } from './generator-weights.js';

/** The architecture options a command line may give (else the weights' metadata decides). */
export interface GeneratorOptions {
  /** Generator architecture; read from the weights' metadata when they come from `atelier train`. */
  net?: NetG;
  norm?: GeneratorSpec['norm'];
  ngf?: number;
  inChannels?: number;
  outChannels?: number;
  dropout?: boolean;
  /** Side the images are resized to (bicubic); default 256 or the trained size. */
  size?: number;
  /** Batch norm from running statistics and no dropout (junyanz's --eval); default off, as junyanz's test.py. */
  eval?: boolean;
}

/**
 * Reads `--weights` (safetensors or .pth, every error naming the file) and refuses
 * weights holding NaN or infinities, which would otherwise surface as an image that
 * cannot be encoded.
 */
export async function readWeights(
  path: string,
): Promise<{ tensors: Record<string, tf.Tensor>; metadata: Record<string, string> }> {
  let content: Awaited<ReturnType<typeof readWeightsFile>>;
  try {
    content = await readWeightsFile(path);
  } catch (error) {
    if (error instanceof ArgumentError && error.cause instanceof Error) {
      throw new UsageError(`cannot read --weights '${path}': ${error.cause.message}`);
    }
    throw error;
  }
  const { tensors, metadata } = content;
  try {
    if (metadata.layout !== undefined && metadata.layout !== 'torch') {
      throw new ArgumentError(
        `${path}: weights in layout '${metadata.layout}'; translate reads PyTorch-layout files (atelier convert, atelier train)`,
      );
    }
    checkFiniteWeights(tensors, path);
  } catch (error) {
    tf.dispose(Object.values(tensors));
    throw error;
  }
  return { tensors, metadata };
}

/** A generator built and loaded from junyanz- or atelier-train-style weights, and its input size. */
export interface LoadedGenerator {
  G: Module;
  spec: GeneratorSpec;
  size: number;
}

/**
 * Builds the generator the weights describe (their `atelier train` metadata, or the
 * options: --net, --norm, ... for junyanz's files) and loads them into it.
 */
export function buildGenerator(
  tensors: Record<string, tf.Tensor>,
  metadata: Record<string, string>,
  options: GeneratorOptions,
  command = 'translate',
  source = 'the weights',
): LoadedGenerator {
  let G: Module | undefined;
  try {
    const saved = parseExportedConfig(metadata['atelier.config'], source);
    const module = metadata['atelier.module'];
    const net = options.net ?? saved.netG;
    if (!net)
      throw new UsageError(
        '--net is required for weights not written by atelier train (e.g. --net unet_256 for pix2pix, resnet_9blocks for CycleGAN)',
      );
    let parsed: ReturnType<typeof parseNetG>;
    try {
      parsed = parseNetG(net, command);
    } catch (error) {
      // A name from the file's metadata is the file's fault, not the command line's.
      if (options.net === undefined)
        throw new FormatError(`${source}: ${(error as Error).message}`);
      throw error;
    }
    // pix2pix's G maps inChannels to outChannels (direction only swaps the data);
    // CycleGAN's G_A maps A to B and G_B the other way.
    const cycle =
      module === 'G_B' ? [saved.channelsB, saved.channelsA] : [saved.channelsA, saved.channelsB];
    const spec: GeneratorSpec = {
      netG: net,
      inChannels: options.inChannels ?? saved.inChannels ?? cycle[0] ?? 3,
      outChannels: options.outChannels ?? saved.outChannels ?? cycle[1] ?? 3,
      ngf: options.ngf ?? saved.ngf ?? 64,
      norm:
        options.norm ??
        saved.G?.norm ??
        saved.norm ??
        (parsed.kind === 'unet' ? 'batch' : 'instance'),
      dropout: options.dropout ?? saved.dropout ?? parsed.kind === 'unet',
      initType: 'normal',
      initGain: 0.02,
    };
    checkGeneratorFits(
      tensors,
      {
        netG: net,
        kind: parsed.kind,
        depth: parsed.kind === 'unet' ? parsed.numDowns : parsed.nBlocks,
        ngf: spec.ngf,
        inChannels: spec.inChannels,
        outChannels: spec.outChannels,
      },
      source,
    );
    G = createGenerator(spec, rng(0));
    try {
      G.loadStateDict(tensors, { from: 'torch' });
    } catch (error) {
      throw errorWithName(error, source);
    }
    if (options.eval) G.eval();
    const size =
      options.size ?? saved.size ?? (parsed.kind === 'unet' ? 2 ** parsed.numDowns : 256);
    if (size % sizeMultiple(parsed) !== 0) {
      throw new UsageError(
        `--size ${size} must be a multiple of ${sizeMultiple(parsed)} for ${net}`,
      );
    }
    return { G, spec, size };
  } catch (error) {
    G?.dispose();
    throw error;
  }
}
