import { BACKEND_NAMES, type BackendChoice, readImage, type tf } from '@atelier/core';
import { type FeatureNetwork, randomNetwork, vggNetwork } from '@atelier/style';
import { UsageError } from '../errors.js';

/** Flag parsers shared by the style commands: each names its flag in the error. */

export function intFlag(flag: string, value: unknown, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${flag}: expected an integer >= ${min}, got '${value}'`);
  }
  return n;
}

export function numberFlag(flag: string, value: unknown, min?: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || (min !== undefined && n < min)) {
    throw new UsageError(
      `--${flag}: expected a number${min !== undefined ? ` >= ${min}` : ''}, got '${value}'`,
    );
  }
  return n;
}

export function choiceFlag<T extends string>(
  flag: string,
  value: unknown,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value as string)) {
    throw new UsageError(`--${flag}: expected ${choices.join(', ')}, got '${value}'`);
  }
  return value as T;
}

export function backendFlag(value: unknown): BackendChoice {
  const backend = (value as string | undefined) ?? 'auto';
  if (backend !== 'auto' && !(BACKEND_NAMES as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend: expected auto, ${BACKEND_NAMES.join(', ')}, got '${backend}'`);
  }
  return backend as BackendChoice;
}

export const ENGINES = ['tfjs', 'onnxruntime'] as const;

/** --engine: what runs the networks; tfjs by default. */
export function engineFlag(value: unknown): (typeof ENGINES)[number] {
  return choiceFlag('engine', value, ENGINES) ?? 'tfjs';
}

/** `--x a --x b,c` as [a, b, c]. */
export function listFlag(value: unknown): string[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? (value as string[]) : [value as string];
  return items
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** `0.7,0.3` as numbers. */
export function numberList(flag: string, value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  return listFlag(value).map((v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0)
      throw new UsageError(`--${flag}: expected numbers >= 0, got '${v}'`);
    return n;
  });
}

export async function readRgb(path: string): Promise<tf.Tensor3D> {
  return readImage(path, { channels: 3 });
}

/** The feature network: VGG from --vgg weights, else the embedded random network. */
export async function featureNetwork(options: {
  vgg?: string;
  preprocessing?: 'torchvision' | 'caffe';
  seed: number;
}): Promise<FeatureNetwork> {
  if (options.vgg) {
    return vggNetwork({
      weights: options.vgg,
      ...(options.preprocessing ? { preprocessing: options.preprocessing } : {}),
    });
  }
  return randomNetwork({ seed: options.seed });
}
