/**
 * What an encoded image is, read from its first bytes without decoding it: the format
 * (from the magic bytes), the size and the channels it naturally has. Decoders call
 * this first, so a corrupt header or an absurd size is refused before anything large is
 * allocated.
 */
import { FormatError } from '../errors.js';
import { overBudget, resolveMaxPixels } from './image-limits.js';

export type ImageFormat = 'png' | 'jpeg';

/**
 * The most pixels an image may have at all (encoders refuse more); decoders refuse
 * images over their pixel budget (image-limits.ts, 2^26 by default), which a user can
 * raise up to this.
 */
export const MAX_IMAGE_PIXELS = 2 ** 28;

export interface ImageInfoOptions {
  /** The pixel budget: a header declaring more is refused (default 2^26, see image-limits.ts). */
  maxPixels?: number;
}

export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
  /**
   * The channels a decode gives by default: 1 for grey, 3 for colour, 4 for anything with
   * transparency (grey with alpha becomes RGBA, as there is no 2-channel output).
   */
  channels: 1 | 3 | 4;
  /** Bits per sample in the file (PNG 1 to 16, JPEG 8); decoded samples are always 8 bit. */
  bitDepth: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Other formats' magic bytes, so the error can say what the bytes are. */
const OTHER_FORMATS: [string, number[]][] = [
  ['GIF', [0x47, 0x49, 0x46, 0x38]],
  ['BMP', [0x42, 0x4d]],
  ['TIFF', [0x49, 0x49, 0x2a, 0x00]],
  ['TIFF', [0x4d, 0x4d, 0x00, 0x2a]],
  ['WebP (RIFF)', [0x52, 0x49, 0x46, 0x46]],
];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

function u32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0
  );
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function checkSize(format: string, width: number, height: number, maxPixels: number): void {
  if (width < 1 || height < 1) {
    throw new FormatError(`${format} header gives an empty image (${width} x ${height})`);
  }
  if (width * height > maxPixels) throw overBudget(format, width, height, maxPixels);
}

/** Allowed bit depths per PNG colour type (PNG specification, table 11.1). */
const PNG_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

function pngInfo(bytes: Uint8Array, maxPixels: number): ImageInfo {
  // Signature (8), then IHDR: length (4) = 13, type (4), 13 bytes of data, CRC (4).
  if (bytes.length < 33) throw new FormatError(`truncated PNG: ${bytes.length} bytes, no header`);
  const ihdrType = String.fromCharCode(...bytes.subarray(12, 16));
  if (u32(bytes, 8) !== 13 || ihdrType !== 'IHDR') {
    throw new FormatError('corrupt PNG: the first chunk is not a 13-byte IHDR');
  }
  const width = u32(bytes, 16);
  const height = u32(bytes, 20);
  const bitDepth = bytes[24]!;
  const colorType = bytes[25]!;
  const depths = PNG_DEPTHS[colorType];
  if (depths === undefined || !depths.includes(bitDepth)) {
    throw new FormatError(
      `corrupt PNG: colour type ${colorType} with bit depth ${bitDepth} is not a valid combination`,
    );
  }
  checkSize('PNG', width, height, maxPixels);
  // Walk the chunks before the image data for a tRNS chunk (transparency).
  let transparent = colorType === 4 || colorType === 6;
  let at = 33;
  while (at + 8 <= bytes.length) {
    const length = u32(bytes, at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === 'IDAT' || type === 'IEND') break;
    if (type === 'tRNS') transparent = true;
    at += 12 + length;
  }
  if (at + 8 > bytes.length) throw new FormatError('truncated PNG: it ends before the image data');
  const channels = transparent ? 4 : colorType === 0 ? 1 : 3;
  return { format: 'png', width, height, channels, bitDepth };
}

/** Start-of-frame markers (SOF0-SOF15 without DHT, JPG and DAC), which carry the size. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * The fewest bytes a Huffman-coded frame can take: every 8 x 8 block of every
 * component codes its DC coefficient with a Huffman code of at least one bit (in a
 * progressive file, in its first DC scan), and in a sequential file also ends its AC
 * coefficients with at least one more (an EOB code, or the codes of nonzero ones),
 * whatever the content. A file shorter than this declares a frame it cannot hold, and
 * is refused before a decoder allocates it.
 */
function minimumCodedBytes(
  bytes: Uint8Array,
  at: number,
  width: number,
  height: number,
  bitsPerBlock: number,
): number {
  const components = bytes[at + 7]!;
  if (at + 8 + components * 3 > bytes.length) {
    throw new FormatError('truncated JPEG: it ends inside its frame header');
  }
  const factors: [number, number][] = [];
  for (let i = 0; i < components; i++) {
    const hv = bytes[at + 9 + i * 3]!;
    const h = hv >> 4;
    const v = hv & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) {
      throw new FormatError(`corrupt JPEG: component ${i} has sampling factors ${h} x ${v}`);
    }
    factors.push([h, v]);
  }
  const hMax = Math.max(...factors.map(([h]) => h));
  const vMax = Math.max(...factors.map(([, v]) => v));
  let blocks = 0;
  for (const [h, v] of factors) {
    blocks +=
      Math.ceil(Math.ceil((width * h) / hMax) / 8) * Math.ceil(Math.ceil((height * v) / vMax) / 8);
  }
  return Math.ceil((blocks * bitsPerBlock) / 8);
}

/** SOF markers of arithmetic coding (SOF9-SOF11, SOF13-SOF15), which can beat one bit a block. */
function isArithmetic(marker: number): boolean {
  return marker >= 0xc9 && marker !== 0xcc;
}

function jpegInfo(bytes: Uint8Array, maxPixels: number): ImageInfo {
  let at = 2;
  for (;;) {
    // Markers are 0xFF, any number of 0xFF fill bytes, then the marker code.
    if (at >= bytes.length)
      throw new FormatError('truncated JPEG: it ends before its frame header');
    if (bytes[at] !== 0xff) {
      throw new FormatError(`corrupt JPEG: expected a marker at byte ${at}, found ${bytes[at]}`);
    }
    while (bytes[at] === 0xff) at++;
    if (at >= bytes.length)
      throw new FormatError('truncated JPEG: it ends before its frame header');
    const marker = bytes[at++]!;
    // Markers without a length: TEM, RST0-7, SOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue;
    if (marker === 0xd9 || marker === 0xda) {
      throw new FormatError('corrupt JPEG: image data or end of image before any frame header');
    }
    if (at + 2 > bytes.length) throw new FormatError('truncated JPEG: it ends inside a marker');
    const length = u16(bytes, at);
    if (length < 2) throw new FormatError(`corrupt JPEG: marker segment of length ${length}`);
    if (isStartOfFrame(marker)) {
      if (at + 8 > bytes.length)
        throw new FormatError('truncated JPEG: it ends inside its frame header');
      const precision = bytes[at + 2]!;
      const height = u16(bytes, at + 3);
      const width = u16(bytes, at + 5);
      const components = bytes[at + 7]!;
      if (precision !== 8) {
        throw new FormatError(`unsupported JPEG: ${precision}-bit samples (only 8-bit is decoded)`);
      }
      if (marker === 0xc3 || marker === 0xc7 || marker === 0xcb || marker === 0xcf) {
        throw new FormatError('unsupported JPEG: lossless coding');
      }
      if (height === 0) {
        throw new FormatError('unsupported JPEG: the height is set later by a DNL marker');
      }
      checkSize('JPEG', width, height, maxPixels);
      if (components !== 1 && components !== 3 && components !== 4) {
        throw new FormatError(`corrupt JPEG: ${components} colour components`);
      }
      // Sequential Huffman (SOF0, SOF1): two bits a block at least; progressive (and the rest): one.
      const sequential = marker === 0xc0 || marker === 0xc1;
      const minimum = isArithmetic(marker)
        ? 0
        : minimumCodedBytes(bytes, at, width, height, sequential ? 2 : 1);
      if (bytes.length < minimum) {
        throw new FormatError(
          `truncated JPEG: its header declares ${width} x ${height}, which takes at least ` +
            `${minimum} bytes of image data (${sequential ? 'two bits' : 'a bit'} per 8 x 8 ` +
            `block); the file has ${bytes.length}`,
        );
      }
      // Four components are CMYK or YCCK, decoded to RGB.
      return { format: 'jpeg', width, height, channels: components === 1 ? 1 : 3, bitDepth: 8 };
    }
    at += length;
  }
}

/**
 * Reads format, size and channels from an encoded image's header, or throws a
 * FormatError saying what the bytes are instead, or that the header declares more
 * pixels than the budget (`maxPixels`, default 2^26) or than the file can hold.
 */
export function imageInfo(bytes: Uint8Array, options: ImageInfoOptions = {}): ImageInfo {
  const maxPixels = resolveMaxPixels(options.maxPixels, 'imageInfo');
  if (startsWith(bytes, PNG_SIGNATURE)) return pngInfo(bytes, maxPixels);
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return jpegInfo(bytes, maxPixels);
  if (bytes.length === 0) throw new FormatError('not an image: no bytes');
  // A few bytes that begin a signature are a file cut short, not another format.
  if (PNG_SIGNATURE.slice(0, bytes.length).every((b, i) => bytes[i] === b)) {
    throw new FormatError(`truncated PNG: ${bytes.length} bytes, not even its signature`);
  }
  if (bytes.length < 3 && [0xff, 0xd8].slice(0, bytes.length).every((b, i) => bytes[i] === b)) {
    throw new FormatError(`truncated JPEG: ${bytes.length} bytes`);
  }
  const other = OTHER_FORMATS.find(([, magic]) => startsWith(bytes, magic));
  if (other)
    throw new FormatError(`unsupported image format ${other[0]}: only PNG and JPEG are read`);
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new FormatError(`not a PNG or JPEG image: it starts with bytes ${head}`);
}
