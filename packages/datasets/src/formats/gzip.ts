import { FormatError } from '@atelier/core';

/** True when the bytes start with gzip's magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Inflates gzip bytes (zlib in Node, DecompressionStream in browsers); bytes without
 * the gzip magic come back unchanged. A damaged stream is a FormatError naming `name`.
 */
export async function gunzipIfNeeded(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    if (typeof process !== 'undefined' && process.versions?.node) {
      const zlib = await import('node:zlib');
      const out = zlib.gunzipSync(bytes);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    }
    const stream = new Blob([bytes as BlobPart])
      .stream()
      .pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (cause) {
    throw new FormatError(`${name}: corrupt gzip stream (${(cause as Error).message})`, { cause });
  }
}
