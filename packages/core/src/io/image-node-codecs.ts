/**
 * PNG and JPEG in Node: PNGs decode with our own checked decoder (image-png-decode.ts)
 * over Node's zlib, and encode with pngjs; JPEGs go through jpeg-js. All pure JavaScript
 * above zlib, so the same bytes decode to the same pixels on every machine. pngjs and
 * jpeg-js are imported on first use and only in the Node build; the browser build uses
 * image-browser-codecs.ts instead. (pngjs 7 is not used to decode: on Node 20 its
 * synchronous inflate returned unchecked memory for short or corrupt image data.)
 */
import { FormatError } from '../errors.js';
import type { ImageInfo } from './image-format.js';
import { decodePng, type Inflate } from './image-png-decode.js';

interface PngModule {
  sync: {
    write(
      png: { width: number; height: number; data: Uint8Array },
      options: { colorType: number; inputColorType: number; inputHasAlpha: boolean; bitDepth: 8 },
    ): Uint8Array;
  };
}

interface JpegModule {
  decode(
    data: Uint8Array,
    options: {
      useTArray: true;
      formatAsRGBA: true;
      tolerantDecoding: boolean;
      maxResolutionInMP: number;
      maxMemoryUsageInMB: number;
    },
  ): { width: number; height: number; data: Uint8Array };
  encode(
    image: { width: number; height: number; data: Uint8Array },
    quality: number,
  ): { data: Uint8Array };
}

let modules: Promise<{ png: PngModule; jpeg: JpegModule }> | undefined;

function load(): Promise<{ png: PngModule; jpeg: JpegModule }> {
  modules ??= (async () => {
    const [pngjs, jpegjs] = await Promise.all([import('pngjs'), import('jpeg-js')]);
    // Both are CommonJS: their exports sit on the namespace or on its default.
    const png = ((pngjs as { PNG?: PngModule }).PNG ??
      (pngjs as unknown as { default: { PNG: PngModule } }).default.PNG) as PngModule;
    const jpeg = (
      (jpegjs as { decode?: unknown }).decode
        ? jpegjs
        : (jpegjs as unknown as { default: JpegModule }).default
    ) as JpegModule;
    return { png, jpeg };
  })();
  return modules;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What the Node decoders need loaded: jpeg-js and zlib's inflate. */
export interface NodeDecoders {
  jpeg: JpegModule;
  inflate: Inflate;
}

/** Loads the Node decoders once (the fuzz tests then decode synchronously). */
export async function loadNodeDecoders(): Promise<NodeDecoders> {
  const [{ jpeg }, { inflateSync }] = await Promise.all([load(), import('node:zlib')]);
  return {
    jpeg,
    inflate: (data, maxOutputLength) => inflateSync(data, { maxOutputLength }),
  };
}

/** Decodes to RGBA bytes (4 per pixel, 16-bit samples scaled to 8 bit). */
export async function decodeRgbaNode(bytes: Uint8Array, info: ImageInfo): Promise<Uint8Array> {
  return decodeRgbaWith(await loadNodeDecoders(), bytes, info);
}

/** decodeRgbaNode with its decoders loaded: synchronous. */
export function decodeRgbaWith(
  { jpeg, inflate }: NodeDecoders,
  bytes: Uint8Array,
  info: ImageInfo,
): Uint8Array {
  let decoded: { width: number; height: number; data: Uint8Array };
  if (info.format === 'png') {
    const png = decodePng(bytes, inflate);
    decoded = { width: png.width, height: png.height, data: png.rgba };
  } else {
    try {
      // Room for the decoder's per-component buffers plus the RGBA output.
      const megabytes = Math.ceil((info.width * info.height * 8) / 2 ** 20) + 64;
      decoded = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        // Tolerant decoding would fill a truncated image with grey instead of failing.
        tolerantDecoding: false,
        maxResolutionInMP: Math.ceil((info.width * info.height) / 1e6),
        maxMemoryUsageInMB: megabytes,
      });
    } catch (error) {
      throw new FormatError(`corrupt or truncated JPEG: ${reason(error)}`, { cause: error });
    }
  }
  if (decoded.width !== info.width || decoded.height !== info.height) {
    throw new FormatError(
      `corrupt ${info.format.toUpperCase()}: the header says ${info.width} x ${info.height}, ` +
        `the decoder found ${decoded.width} x ${decoded.height}`,
    );
  }
  return decoded.data;
}

/** PNG colour types by channel count: grey, RGB, RGBA. */
const PNG_COLOR_TYPE = { 1: 0, 3: 2, 4: 6 } as const;

/** Encodes interleaved 8-bit samples (1, 3 or 4 per pixel) as an 8-bit PNG. */
export async function encodePngNode(
  data: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
): Promise<Uint8Array> {
  const { png } = await load();
  const colorType = PNG_COLOR_TYPE[channels];
  const out = png.sync.write(
    { width, height, data },
    { colorType, inputColorType: colorType, inputHasAlpha: channels === 4, bitDepth: 8 },
  );
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Encodes RGBA bytes (alpha ignored) as a baseline JPEG, 4:2:0, quality 1 to 100. */
export async function encodeJpegNode(
  rgba: Uint8Array,
  width: number,
  height: number,
  quality: number,
): Promise<Uint8Array> {
  const { jpeg } = await load();
  const out = jpeg.encode({ width, height, data: rgba }, quality).data;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
