/**
 * Weight files: safetensors or a PyTorch checkpoint (zip or legacy), read with the
 * file's name in front of every error the readers throw, so that a user who passed
 * several files learns which one is at fault. This is the one place where bytes from
 * disk meet the readers; the readers themselves know no paths.
 */
import { ArgumentError, AtelierError, describe, FormatError, StateDictError } from '../errors.js';
import { envVar } from '../platform.js';
import type { tf } from '../tfjs.js';
import { readSafetensors } from './safetensors.js';
import { readTorchCheckpoint, TORCH_MAX_TOTAL_BYTES } from './torch-checkpoint.js';

export type WeightsFormat = 'safetensors' | 'torch';

export interface ReadWeightsOptions {
  /** Default: from the extension (.pth, .pt, .bin, .ckpt: torch; .safetensors), else the bytes. */
  format?: WeightsFormat;
  /**
   * Bytes the file may hold, and its tensors may take once materialised. Default: the
   * environment variable ATELIER_MAX_WEIGHT_BYTES, else TORCH_MAX_TOTAL_BYTES (2 GiB).
   */
  maxBytes?: number;
}

export interface WeightsContent {
  tensors: Record<string, tf.Tensor>;
  /** The safetensors `__metadata__` (a PyTorch checkpoint has none). */
  metadata: Record<string, string>;
  format: WeightsFormat;
}

const TORCH_EXTENSIONS = ['.pth', '.pt', '.bin', '.ckpt'];

/** The limit on a weight file's bytes: ATELIER_MAX_WEIGHT_BYTES, else 2 GiB. */
export function maxWeightBytes(): number {
  const text = envVar('ATELIER_MAX_WEIGHT_BYTES');
  if (text === undefined || text === '') return TORCH_MAX_TOTAL_BYTES;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ArgumentError(
      `ATELIER_MAX_WEIGHT_BYTES must be a whole number of bytes, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** The format of `name`'s bytes: by extension, else zip or torch's legacy magic number. */
function formatOf(name: string, bytes: Uint8Array): WeightsFormat {
  const lower = name.toLowerCase();
  if (lower.endsWith('.safetensors')) return 'safetensors';
  if (TORCH_EXTENSIONS.some((ext) => lower.endsWith(ext))) return 'torch';
  const zip = bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4;
  // PROTO 2, LONG1 of 10 bytes: the magic number a legacy torch.save writes first.
  const legacy = bytes[0] === 0x80 && bytes[1] === 2 && bytes[2] === 0x8a && bytes[3] === 10;
  return zip || legacy ? 'torch' : 'safetensors';
}

/** A message on one line: a name read from a file may hold line breaks. */
function oneLine(message: string): string {
  return message.replace(/[\r\n\u2028\u2029]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/**
 * The same error with `name` in front of its message (on one line); anything untyped
 * becomes a FormatError.
 */
export function errorWithName(error: unknown, name: string): AtelierError {
  if (error instanceof StateDictError) {
    return new StateDictError(
      oneLine(`${name}: ${error.message}`),
      error.missing,
      error.unexpected,
      error.mismatched,
    );
  }
  if (error instanceof AtelierError) {
    const Kind = error.constructor as new (m: string, o?: { cause?: unknown }) => AtelierError;
    return new Kind(oneLine(`${name}: ${error.message}`), { cause: error });
  }
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new FormatError(oneLine(`${name}: cannot be read (${why})`), { cause: error });
}

function checkOptions(options: ReadWeightsOptions, fn: string): Required<ReadWeightsOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(`${fn}: options must be an object, got ${describe(options)}`);
  }
  const { format, maxBytes } = options;
  if (format !== undefined && format !== 'safetensors' && format !== 'torch') {
    throw new ArgumentError(
      `${fn}: format must be 'safetensors' or 'torch', got ${describe(format)}`,
    );
  }
  if (maxBytes !== undefined && (typeof maxBytes !== 'number' || !(maxBytes >= 0))) {
    throw new ArgumentError(
      `${fn}: maxBytes must be a non-negative number, got ${describe(maxBytes)}`,
    );
  }
  return { format: format as WeightsFormat, maxBytes: maxBytes ?? maxWeightBytes() };
}

/**
 * Decodes the bytes of a weight file called `name` (a path, or any label): the
 * tensors (the caller owns them) and the metadata. Every error is typed and starts
 * with `name`.
 */
export function decodeWeights(
  bytes: Uint8Array,
  name: string,
  options: ReadWeightsOptions = {},
): WeightsContent {
  if (typeof name !== 'string' || name === '') {
    throw new ArgumentError(`decodeWeights: expected a file name, got ${describe(name)}`);
  }
  const { format: given, maxBytes } = checkOptions(options, 'decodeWeights');
  if (!(bytes instanceof Uint8Array)) {
    throw new ArgumentError(
      `decodeWeights: ${name}: expected a Uint8Array, got ${describe(bytes)}`,
    );
  }
  const format = given ?? formatOf(name, bytes);
  try {
    if (bytes.length > maxBytes) {
      throw new FormatError(
        `the file is ${bytes.length} bytes, more than the limit of ${maxBytes} (raise it with the maxBytes option, or ATELIER_MAX_WEIGHT_BYTES for the command line)`,
      );
    }
    if (format === 'torch') {
      return { tensors: readTorchCheckpoint(bytes, { maxBytes }), metadata: {}, format };
    }
    return { ...readSafetensors(bytes, { maxBytes }), format };
  } catch (error) {
    throw errorWithName(error, name);
  }
}

/**
 * Reads a weight file (Node): a regular file of at most `maxBytes`, decoded as
 * `decodeWeights` does. A file that cannot be read is an ArgumentError whose `cause`
 * is the file system's error; a file that is not valid weights is a FormatError.
 *
 * @example
 * // safetensors or a PyTorch .pth, told apart by their bytes
 * const { tensors, metadata } = await readWeightsFile('latest_net_G.pth');
 * net.loadStateDict(tensors, { from: 'torch' });
 * tf.dispose(Object.values(tensors));
 */
export async function readWeightsFile(
  path: string,
  options: ReadWeightsOptions = {},
): Promise<WeightsContent> {
  if (typeof path !== 'string' || path === '') {
    throw new ArgumentError(`readWeightsFile: expected a file path, got ${describe(path)}`);
  }
  const { maxBytes } = checkOptions(options, 'readWeightsFile');
  // Inside `if (__NODE__)` so that the browser build drops the Node imports.
  if (__NODE__) {
    const { readFile, stat } = await import('node:fs/promises');
    let bytes: Uint8Array;
    try {
      // stat first: opening a FIFO for reading would wait for a writer forever.
      const info = await stat(path);
      if (!info.isFile()) throw new ArgumentError(`${path}: not a regular file`);
      if (info.size > maxBytes) {
        throw new FormatError(
          `${path}: the file is ${info.size} bytes, more than the limit of ${maxBytes} (raise it with the maxBytes option, or ATELIER_MAX_WEIGHT_BYTES for the command line)`,
        );
      }
      const buffer = await readFile(path);
      bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if (error instanceof AtelierError) throw error;
      throw new ArgumentError(`${path}: cannot read: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return decodeWeights(bytes, path, { ...options, maxBytes });
  }
  throw new AtelierError('readWeightsFile needs Node: in a browser, use decodeWeights');
}

/**
 * Refuses weights holding NaN or an infinity, naming the first tensors that do:
 * a network built from them computes NaN, which would otherwise surface far away
 * (as an image that cannot be encoded).
 */
export function checkFiniteWeights(tensors: Record<string, tf.Tensor>, name: string): void {
  const bad: string[] = [];
  for (const [key, tensor] of Object.entries(tensors)) {
    if (tensor.dtype !== 'float32') continue;
    // Counted here rather than by a kernel: a GPU shader may assume there is no NaN.
    const values = tensor.dataSync() as Float32Array;
    let count = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) count++;
    if (count > 0) bad.push(`${JSON.stringify(key)} (${count} of ${tensor.size})`);
  }
  if (bad.length > 0) {
    const shown =
      bad.length > 5 ? `${bad.slice(0, 5).join(', ')} and ${bad.length - 5} more` : bad.join(', ');
    throw new FormatError(`${name}: weights hold NaN or infinite values: ${shown}`);
  }
}
