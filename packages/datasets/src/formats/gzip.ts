import { FormatError } from '@atelier/core';

/** True when the bytes start with gzip's magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Deflate's best ratio is 1032:1 (a 258-byte match in 2 bits), so a gzip file of n
 * bytes inflates to at most about 1032 n: a header that declares more is a lie.
 */
const MAX_RATIO = 1032;

/** Compressed bytes read to find the declared size: at most ~1 MB once inflated. */
const HEAD_BYTES = 1024;

export interface GunzipOptions {
  /** The most bytes the inflated data may have (default 1 GiB, as data files). */
  maxBytes?: number;
  /**
   * The inflated length that the data's own header declares, read from its first bytes
   * (undefined when they do not say): the inflate then stops one byte past it.
   */
  declaredSize?: (head: Uint8Array) => number | undefined;
}

const DEFAULT_MAX_BYTES = 2 ** 30;

function failure(name: string, cause: unknown, cap: number, declared: boolean): FormatError {
  const code = (cause as { code?: string }).code;
  if (code === 'ERR_BUFFER_TOO_LARGE' || cause instanceof RangeError) {
    const what = declared
      ? `the ${cap - 1} bytes its header declares`
      : `the limit of ${cap - 1} bytes`;
    return new FormatError(`${name}: the gzip stream inflates to more than ${what}`, { cause });
  }
  return new FormatError(`${name}: corrupt gzip stream (${(cause as Error).message})`, { cause });
}

/**
 * Node's gunzip, bounded: the declared size read from the inflated start of the stream,
 * checked against the limit and the compressed size, then an inflate that stops one
 * byte past it. Synchronous, with `zlib` passed in (node:zlib, loaded by the caller).
 */
export function gunzipBounded(
  zlib: typeof import('node:zlib'),
  bytes: Uint8Array,
  name: string,
  options: GunzipOptions = {},
): Uint8Array {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let cap = maxBytes + 1;
  let declared: number | undefined;
  if (options.declaredSize) {
    let head: Uint8Array;
    try {
      head = zlib.gunzipSync(bytes.subarray(0, HEAD_BYTES), {
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
        maxOutputLength: HEAD_BYTES * (MAX_RATIO + 8),
      });
    } catch (cause) {
      throw failure(name, cause, cap, false);
    }
    declared = options.declaredSize(head);
  }
  if (declared !== undefined) {
    if (declared > maxBytes) {
      throw new FormatError(
        `${name}: its header declares ${declared} bytes of data, more than the limit of ` +
          `${maxBytes}; raise it with the maxFileBytes option or ATELIER_MAX_FILE_BYTES`,
      );
    }
    if (declared > bytes.length * MAX_RATIO + 64) {
      throw new FormatError(
        `${name}: its header declares ${declared} bytes of data, which ${bytes.length} bytes ` +
          `of gzip cannot hold (deflate compresses at most ${MAX_RATIO}:1)`,
      );
    }
    cap = declared + 1;
  }
  try {
    const out = zlib.gunzipSync(bytes, { maxOutputLength: cap });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (cause) {
    throw failure(name, cause, cap, declared !== undefined);
  }
}

/** Browsers: DecompressionStream, read chunk by chunk and cancelled past `maxBytes`. */
async function gunzipStream(bytes: Uint8Array, name: string, maxBytes: number) {
  const reader = new Blob([bytes as BlobPart])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'))
    .getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw new FormatError(`${name}: the gzip stream inflates to more than ${maxBytes} bytes`);
      }
      parts.push(value);
    }
  } catch (cause) {
    if (cause instanceof FormatError) throw cause;
    throw new FormatError(`${name}: corrupt gzip stream (${(cause as Error).message})`, { cause });
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Inflates gzip bytes (zlib in Node, DecompressionStream in browsers); bytes without
 * the gzip magic come back unchanged. The output is bounded: by `maxBytes` (default
 * 1 GiB), and in Node by the size the data's header declares (`declaredSize`), which
 * must also fit the compressed size. A damaged or oversized stream is a FormatError
 * naming `name`.
 */
export async function gunzipIfNeeded(
  bytes: Uint8Array,
  name: string,
  options: GunzipOptions = {},
): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  if (typeof process !== 'undefined' && process.versions?.node) {
    return gunzipBounded(await import('node:zlib'), bytes, name, options);
  }
  return gunzipStream(bytes, name, options.maxBytes ?? DEFAULT_MAX_BYTES);
}
