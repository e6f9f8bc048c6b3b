/**
 * The chunk layer of a PNG file (PNG specification, 3rd edition, sections 5 and 11):
 * every chunk's length, type and CRC checked, the header validated, the palette and
 * transparency read, and the image data chunks joined. Nothing here trusts a length
 * before comparing it with the bytes that are really there.
 */
import { FormatError } from '../errors.js';

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  interlaced: boolean;
}

export interface PngChunks {
  header: PngHeader;
  /** RGBA per palette entry (alpha from tRNS, else 255); colour type 3 only. */
  palette?: Uint8Array;
  /** The transparent sample values from tRNS (grey: 1, RGB: 3), in the file's bit depth. */
  transparent?: number[];
  /** Every IDAT chunk's data, joined: one zlib stream. */
  data: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Allowed bit depths per colour type (table 11.1). */
const DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** Chunk lengths are at most 2^31 - 1 (section 5.3). */
const MAX_CHUNK_LENGTH = 2 ** 31 - 1;

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309, the one PNG and zlib use) of bytes, table-driven. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0
  );
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

/** A chunk type is four ASCII letters (section 5.4). */
function chunkType(bytes: Uint8Array, at: number): string {
  const codes = bytes.subarray(at, at + 4);
  for (const c of codes) {
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (!letter) {
      const hex = Array.from(codes, (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new FormatError(`corrupt PNG: chunk type bytes ${hex} at byte ${at} are not letters`);
    }
  }
  return String.fromCharCode(...codes);
}

function parseHeader(data: Uint8Array): PngHeader {
  if (data.length !== 13) {
    throw new FormatError(`corrupt PNG: IHDR holds ${data.length} bytes, expected 13`);
  }
  const width = u32(data, 0);
  const height = u32(data, 4);
  const bitDepth = data[8]!;
  const colorType = data[9]!;
  if (width === 0 || height === 0) {
    throw new FormatError(`PNG header gives an empty image (${width} x ${height})`);
  }
  if (width > MAX_CHUNK_LENGTH || height > MAX_CHUNK_LENGTH) {
    throw new FormatError(`corrupt PNG: size ${width} x ${height} is over 2^31 - 1`);
  }
  const depths = DEPTHS[colorType];
  if (depths === undefined || !depths.includes(bitDepth)) {
    throw new FormatError(
      `corrupt PNG: colour type ${colorType} with bit depth ${bitDepth} is not a valid combination`,
    );
  }
  if (data[10] !== 0 || data[11] !== 0) {
    throw new FormatError(
      `corrupt PNG: compression method ${data[10]} and filter method ${data[11]}, expected 0 and 0`,
    );
  }
  if (data[12]! > 1) throw new FormatError(`corrupt PNG: interlace method ${data[12]}`);
  return {
    width,
    height,
    bitDepth: bitDepth as PngHeader['bitDepth'],
    colorType: colorType as PngHeader['colorType'],
    interlaced: data[12] === 1,
  };
}

function parsePalette(data: Uint8Array, header: PngHeader): Uint8Array {
  const entries = data.length / 3;
  if (!Number.isInteger(entries) || entries < 1 || entries > 256) {
    throw new FormatError(`corrupt PNG: PLTE of ${data.length} bytes (1 to 256 RGB entries)`);
  }
  if (header.colorType === 3 && entries > 2 ** header.bitDepth) {
    throw new FormatError(
      `corrupt PNG: ${entries} palette entries for ${header.bitDepth}-bit indices`,
    );
  }
  const rgba = new Uint8Array(entries * 4);
  for (let i = 0; i < entries; i++) {
    rgba.set(data.subarray(i * 3, i * 3 + 3), i * 4);
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/** Applies tRNS: alpha per palette entry, or the transparent grey / RGB value. */
function parseTransparency(data: Uint8Array, chunks: Partial<PngChunks>): void {
  const { colorType } = chunks.header!;
  if (colorType === 3) {
    const palette = chunks.palette;
    if (!palette) throw new FormatError('corrupt PNG: tRNS before PLTE');
    if (data.length > palette.length / 4) {
      throw new FormatError(
        `corrupt PNG: tRNS gives ${data.length} alphas for ${palette.length / 4} palette entries`,
      );
    }
    for (let i = 0; i < data.length; i++) palette[i * 4 + 3] = data[i]!;
    return;
  }
  // Images with an alpha channel may not have tRNS; decoders ignore it (as libpng does).
  if (colorType === 4 || colorType === 6) return;
  const samples = colorType === 0 ? 1 : 3;
  if (data.length !== samples * 2) {
    throw new FormatError(
      `corrupt PNG: tRNS of ${data.length} bytes, expected ${samples * 2} for colour type ${colorType}`,
    );
  }
  chunks.transparent = Array.from({ length: samples }, (_, k) => u16(data, k * 2));
}

/**
 * Reads and checks every chunk of a PNG file up to IEND. Throws a FormatError for a bad
 * signature, a chunk that runs past the end of the file, a CRC mismatch, an invalid
 * header, misplaced or missing chunks, or an unknown critical chunk.
 */
export function readPngChunks(bytes: Uint8Array): PngChunks {
  if (bytes.length < 8 || !SIGNATURE.every((b, i) => bytes[i] === b)) {
    throw new FormatError('not a PNG: the 8-byte signature is missing');
  }
  const chunks: Partial<PngChunks> = {};
  const idat: Uint8Array[] = [];
  let idatEnded = false;
  let at = 8;
  for (let index = 0; ; index++) {
    if (at + 12 > bytes.length) {
      throw new FormatError(
        `truncated PNG: it ends at byte ${bytes.length}, before its IEND chunk`,
      );
    }
    const length = u32(bytes, at);
    const type = chunkType(bytes, at + 4);
    if (length > MAX_CHUNK_LENGTH || at + 12 + length > bytes.length) {
      throw new FormatError(
        `truncated PNG: chunk ${type} at byte ${at} claims ${length} bytes, the file has ` +
          `${Math.max(0, bytes.length - at - 12)} left`,
      );
    }
    const data = bytes.subarray(at + 8, at + 8 + length);
    const stored = u32(bytes, at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== stored) {
      throw new FormatError(`corrupt PNG: CRC mismatch in chunk ${type} at byte ${at}`);
    }
    at += 12 + length;
    if (index === 0 && type !== 'IHDR') {
      throw new FormatError(`corrupt PNG: the first chunk is ${type}, expected IHDR`);
    }
    if (type === 'IEND') break;
    if (idat.length > 0 && type !== 'IDAT') idatEnded = true;
    switch (type) {
      case 'IHDR':
        if (index !== 0) throw new FormatError('corrupt PNG: a second IHDR chunk');
        chunks.header = parseHeader(data);
        break;
      case 'PLTE':
        if (chunks.palette || idat.length > 0 || chunks.transparent) {
          throw new FormatError('corrupt PNG: PLTE repeated or after tRNS / IDAT');
        }
        if (chunks.header!.colorType === 0 || chunks.header!.colorType === 4) {
          throw new FormatError('corrupt PNG: a PLTE chunk in a grey image');
        }
        chunks.palette = parsePalette(data, chunks.header!);
        break;
      case 'tRNS':
        if (idat.length > 0) throw new FormatError('corrupt PNG: tRNS after the image data');
        parseTransparency(data, chunks);
        break;
      case 'IDAT':
        if (idatEnded) throw new FormatError('corrupt PNG: IDAT chunks are not consecutive');
        idat.push(data);
        break;
      default:
        // Bit 5 of the first letter: lowercase marks an ancillary chunk, safe to skip.
        if ((type.charCodeAt(0) & 0x20) === 0) {
          throw new FormatError(`unsupported PNG: unknown critical chunk ${type}`);
        }
    }
  }
  const header = chunks.header!;
  if (header.colorType === 3 && !chunks.palette) {
    throw new FormatError('corrupt PNG: a palette image without a PLTE chunk');
  }
  if (idat.length === 0) throw new FormatError('corrupt PNG: no IDAT chunk (no image data)');
  const total = idat.reduce((n, d) => n + d.length, 0);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const d of idat) {
    data.set(d, offset);
    offset += d.length;
  }
  // A palette for colour types 2 and 6 is only a suggestion: not used for decoding.
  const palette = header.colorType === 3 ? chunks.palette : undefined;
  return {
    header,
    data,
    ...(palette ? { palette } : {}),
    ...(chunks.transparent ? { transparent: chunks.transparent } : {}),
  };
}
