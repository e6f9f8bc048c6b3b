import { basename } from 'node:path';
import {
  ArgumentError,
  readWeightsFile,
  tf,
  writeFileAtomic,
  writeSafetensors,
} from '@atelier/core';
import { UsageError } from '../errors.js';
import { checkOutputIsNotInput } from '../output-paths.js';

export interface ConvertOptions {
  /** Keep only keys under this prefix (e.g. `state_dict` of a training checkpoint), dropping it. */
  key?: string;
  /** Remove this prefix from every key (e.g. `module.` of DataParallel). */
  stripPrefix?: string;
}

/**
 * Converts a PyTorch `.pth`/`.pt` state dict to safetensors. Names and layouts stay
 * PyTorch's: `loadStateDict(dict, { from: 'torch' })` converts layouts when loading.
 */
export async function convert(
  input: string,
  output: string,
  options: ConvertOptions = {},
): Promise<{ tensors: number; bytes: number }> {
  await checkOutputIsNotInput(input, output, 'convert');
  let all: Record<string, tf.Tensor>;
  try {
    // Every error of the reader names the file.
    ({ tensors: all } = await readWeightsFile(input, { format: 'torch' }));
  } catch (error) {
    if (error instanceof ArgumentError && error.cause instanceof Error) {
      throw new UsageError(`cannot read '${input}': ${error.cause.message}`);
    }
    throw error;
  }
  // No prototype: a key such as `__proto__` read from the file stays a key.
  const picked: Record<string, tf.Tensor> = Object.create(null);
  const prefix = options.key ? `${options.key}.` : '';
  for (const [name, tensor] of Object.entries(all)) {
    if (prefix && !name.startsWith(prefix)) continue;
    let key = name.slice(prefix.length);
    if (options.stripPrefix && key.startsWith(options.stripPrefix)) {
      key = key.slice(options.stripPrefix.length);
    }
    picked[key] = tensor;
  }
  const count = Object.keys(picked).length;
  if (count === 0) {
    tf.dispose(Object.values(all));
    throw new UsageError(
      prefix
        ? `no tensors under '${options.key}' in '${input}'; its keys start with: ${[...new Set(Object.keys(all).map((k) => k.split('.')[0]))].join(', ')}`
        : `'${input}' holds no tensors`,
    );
  }
  const out = await writeSafetensors(picked, { source: basename(input), layout: 'torch' });
  tf.dispose(Object.values(all));
  // Temporary file + rename: an interrupted conversion never leaves half a file.
  await writeFileAtomic(output, out);
  return { tensors: count, bytes: out.length };
}
