/**
 * What a generator's weight file says about the generator, checked before anything is
 * built. The `atelier.config` metadata `atelier train` writes is input like any option
 * (a file can say anything), and the architecture, whoever named it, must fit the
 * tensors the file holds: no metadata or flag can make us allocate a network larger
 * than the file, or translate at a size no image could have.
 */
import { describe, FormatError, StateDictError, type tf } from '@atelier/core';
import type { GeneratorSpec, NetG } from '@atelier/gan';

type GeneratorNorm = GeneratorSpec['norm'];

/** Largest side `translate` resizes images to (pix2pixHD works at 2048). */
export const MAX_TRANSLATE_SIZE = 4096;
const CHANNELS = [1, 3, 4];
const NORMS = ['batch', 'instance', 'none'];

/** What `atelier train` writes into an exported generator's metadata, validated. */
export interface ExportedConfig {
  netG?: NetG;
  ngf?: number;
  norm?: GeneratorNorm;
  G?: { norm?: GeneratorNorm };
  dropout?: boolean;
  inChannels?: number;
  outChannels?: number;
  channelsA?: number;
  channelsB?: number;
  size?: number;
}

/** Reads `atelier.config` (absent: {}); anything malformed is a FormatError naming `source`. */
export function parseExportedConfig(text: string | undefined, source: string): ExportedConfig {
  if (text === undefined) return {};
  const fail = (why: string): never => {
    throw new FormatError(`${source}: the atelier.config metadata ${why}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return fail(`is not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail(`must be a JSON object, got ${describe(raw)}`);
  }
  const record = raw as Record<string, unknown>;
  const field = (key: string): unknown => (Object.hasOwn(record, key) ? record[key] : undefined);
  const config: ExportedConfig = {};
  const netG = field('netG');
  if (netG !== undefined) {
    if (typeof netG !== 'string') fail(`has netG ${describe(netG)}, not a string`);
    config.netG = netG as NetG;
  }
  const whole = (key: keyof ExportedConfig, ok: (n: number) => boolean, what: string) => {
    const value = field(key);
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || !ok(value)) {
      fail(`has ${key} ${describe(value)}; expected ${what}`);
    }
    (config as Record<string, unknown>)[key] = value;
  };
  whole('ngf', (n) => n >= 1, 'a positive integer');
  for (const key of ['inChannels', 'outChannels', 'channelsA', 'channelsB'] as const)
    whole(key, (n) => CHANNELS.includes(n), '1, 3 or 4');
  whole('size', (n) => n >= 1 && n <= MAX_TRANSLATE_SIZE, `1 to ${MAX_TRANSLATE_SIZE}`);
  const norm = (value: unknown, key: string) => {
    if (value !== undefined && !NORMS.includes(value as string)) {
      fail(`has ${key} ${describe(value)}; expected batch, instance or none`);
    }
    return value as GeneratorNorm | undefined;
  };
  if (field('norm') !== undefined) config.norm = norm(field('norm'), 'norm');
  const G = field('G');
  if (G !== undefined) {
    if (typeof G !== 'object' || G === null || Array.isArray(G)) fail(`has G ${describe(G)}`);
    const gNorm = Object.hasOwn(G as object, 'norm') ? (G as { norm: unknown }).norm : undefined;
    config.G = gNorm === undefined ? {} : { norm: norm(gNorm, 'G.norm') };
  }
  const dropout = field('dropout');
  if (dropout !== undefined) {
    if (typeof dropout !== 'boolean') fail(`has dropout ${describe(dropout)}, not a boolean`);
    config.dropout = dropout as boolean;
  }
  return config;
}

/** The architecture a generator is about to be built with. */
export interface GeneratorShape {
  netG: NetG;
  kind: 'unet' | 'resnet';
  /** unet: downsamplings; resnet: residual blocks. */
  depth: number;
  ngf: number;
  inChannels: number;
  outChannels: number;
}

/**
 * Refuses (StateDictError) an architecture the tensors do not describe, so that it is
 * never built:
 * the first convolution gives ngf and the input channels, the last the output
 * channels, and the keys the unet's depth or the resnet's block count. Keys are
 * PyTorch's (junyanz's networks, as `atelier train` and `atelier convert` write them).
 */
export function checkGeneratorFits(
  tensors: Record<string, tf.Tensor>,
  shape: GeneratorShape,
  source: string,
): void {
  const keys = Object.keys(tensors);
  const fail = (why: string): never => {
    throw new StateDictError(
      `${source}: the state dict does not fit a ${shape.netG} generator (nothing was built): ${why}`,
    );
  };
  const shapeOf = (key: string): number[] => {
    const tensor = Object.hasOwn(tensors, key) ? tensors[key] : undefined;
    if (tensor?.rank !== 4) return fail(`they hold no 4-d tensor ${key}`);
    return tensor.shape;
  };
  const expect = (what: string, got: number, want: number, key: string) => {
    if (got !== want) fail(`${key} says ${what} ${got}, the generator asked for has ${want}`);
  };
  let first: string;
  let last: string;
  let outAxis: number;
  if (shape.kind === 'unet') {
    first = 'model.model.0.weight';
    last = 'model.model.3.weight'; // the outermost ConvTranspose: (in, out, kh, kw)
    outAxis = 1;
    // `model.model.1.model.3...`: the innermost block's keys hold numDowns + 1 `model`s.
    const nesting = keys.map((k) => k.split('.').filter((p) => p === 'model').length);
    const depth = Math.max(0, ...nesting) - 1;
    expect('a depth of', depth, shape.depth, 'the nesting of their keys');
  } else {
    first = 'model.1.weight';
    const blocks = keys.filter((k) => /^model\.\d+\.conv_block\.1\.weight$/.test(k)).length;
    expect('a block count of', blocks, shape.depth, 'model.<i>.conv_block.1.weight');
    const indices = keys.map((k) => /^model\.(\d+)\.weight$/.exec(k)?.[1]).filter(Boolean);
    last = `model.${Math.max(...indices.map(Number))}.weight`;
    outAxis = 0;
  }
  const firstShape = shapeOf(first);
  expect('ngf', firstShape[0]!, shape.ngf, first);
  expect('input channels', firstShape[1]!, shape.inChannels, first);
  expect('output channels', shapeOf(last)[outAxis]!, shape.outChannels, last);
}
