import {
  ArgumentError,
  describe,
  FormatError,
  readSafetensors,
  readTorchCheckpoint,
  tf,
} from '@atelier/core';

/** Weights as a file path (Node), the file's bytes, or a state dict already in memory. */
export type WeightsSource = string | Uint8Array | Record<string, tf.Tensor>;

export interface StateDictRead {
  /** The tensors by key; the caller disposes them when `owned`. */
  tensors: Record<string, tf.Tensor>;
  owned: boolean;
  /** 'torch' (OIHW convolutions) unless the file says it holds tfjs layouts. */
  layout: 'torch' | 'tfjs';
  /** The safetensors metadata, when there was a safetensors file. */
  metadata: Record<string, string>;
}

/** Reads a file's bytes in Node (dynamic import, so browser bundles stay free of fs). */
export async function readBytes(path: string, fn: string): Promise<Uint8Array> {
  const { readFile } = await import('node:fs/promises');
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new ArgumentError(`${fn}: cannot read '${path}': ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function isSafetensors(bytes: Uint8Array): boolean {
  // An 8-byte little-endian header length, then the JSON header's '{'.
  return bytes.length > 9 && bytes[8] === 0x7b;
}

/**
 * A state dict from safetensors (what `atelier convert` writes, layouts PyTorch's), a
 * PyTorch .pth/.pt zip checkpoint (read by @atelier/core's safe unpickler), or a record
 * of tensors. Format errors name the source.
 */
export async function readStateDict(source: WeightsSource, fn: string): Promise<StateDictRead> {
  if (source !== null && typeof source === 'object' && !(source instanceof Uint8Array)) {
    for (const [k, v] of Object.entries(source)) {
      if (!(v instanceof tf.Tensor)) {
        throw new ArgumentError(`${fn}: weights.${k} must be a tensor, got ${describe(v)}`);
      }
    }
    return { tensors: source, owned: false, layout: 'torch', metadata: {} };
  }
  let bytes: Uint8Array;
  let name: string;
  if (typeof source === 'string') {
    if (source === '') throw new ArgumentError(`${fn}: weights path is empty`);
    bytes = await readBytes(source, fn);
    name = `'${source}'`;
  } else if (source instanceof Uint8Array) {
    bytes = source;
    name = 'the weights bytes';
  } else {
    throw new ArgumentError(
      `${fn}: weights must be a path, a Uint8Array or a record of tensors, got ${describe(source)}`,
    );
  }
  try {
    if (isSafetensors(bytes)) {
      const { tensors, metadata } = readSafetensors(bytes);
      const layout = metadata.layout === 'tfjs' ? 'tfjs' : 'torch';
      return { tensors, owned: true, layout, metadata };
    }
    return { tensors: readTorchCheckpoint(bytes), owned: true, layout: 'torch', metadata: {} };
  } catch (error) {
    if (error instanceof FormatError) {
      throw new FormatError(`${fn}: ${name}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** Disposes what readStateDict allocated. */
export function releaseStateDict(read: StateDictRead): void {
  if (read.owned) tf.dispose(Object.values(read.tensors));
}
