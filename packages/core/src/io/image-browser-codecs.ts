/**
 * PNG and JPEG in browsers and workers through the platform's own decoders:
 * createImageBitmap and OffscreenCanvas. A 2D canvas stores premultiplied alpha, which
 * would lose the colour of transparent pixels; images with alpha are therefore read
 * back through a WebGL2 texture (unpremultiplied) and fall back to the 2D canvas only
 * where WebGL2 is missing. Encoding goes through a 2D canvas, with that loss for alpha
 * below 255. 16-bit PNGs are reduced by the browser (within a level of Node's
 * rounding); JPEG pixels may differ by a few levels from Node's decoder (jpeg-js).
 */
import { FormatError } from '../errors.js';
import type { ImageInfo } from './image-format.js';

const MIME = { png: 'image/png', jpeg: 'image/jpeg' } as const;

function context(width: number, height: number): OffscreenCanvasRenderingContext2D {
  if (typeof OffscreenCanvas === 'undefined') {
    throw new FormatError(
      'decoding and encoding images here needs OffscreenCanvas, which this runtime lacks',
    );
  }
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new FormatError('could not create a 2D canvas context for image io');
  return ctx;
}

/** The bitmap's RGBA bytes, unpremultiplied, or undefined without WebGL2 or room for it. */
function readThroughWebGL(bitmap: ImageBitmap): Uint8Array | undefined {
  const { width, height } = bitmap;
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2', { premultipliedAlpha: false });
  if (!gl) return undefined;
  try {
    const limit = gl.getParameter(gl.MAX_TEXTURE_SIZE) as number;
    if (width > limit || height > limit) return undefined;
    const texture = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
    gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.NONE);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, gl.RGBA, gl.UNSIGNED_BYTE, bitmap);
    const framebuffer = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
    if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) return undefined;
    const pixels = new Uint8Array(width * height * 4);
    // Texture row 0 is the image's top row, so no flip is needed.
    gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
    return gl.getError() === gl.NO_ERROR ? pixels : undefined;
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

/** Decodes to RGBA bytes (4 per pixel). */
export async function decodeRgbaBrowser(bytes: Uint8Array, info: ImageInfo): Promise<Uint8Array> {
  const name = info.format.toUpperCase();
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart], { type: MIME[info.format] }), {
      premultiplyAlpha: 'none',
      colorSpaceConversion: 'none',
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new FormatError(
      `corrupt or truncated ${name}: the browser could not decode it (${why})`,
      {
        cause: error,
      },
    );
  }
  try {
    if (bitmap.width !== info.width || bitmap.height !== info.height) {
      throw new FormatError(
        `corrupt ${name}: the header says ${info.width} x ${info.height}, ` +
          `the browser decoded ${bitmap.width} x ${bitmap.height}`,
      );
    }
    if (info.channels === 4) {
      const exact = readThroughWebGL(bitmap);
      if (exact) return exact;
    }
    const ctx = context(info.width, info.height);
    ctx.drawImage(bitmap, 0, 0);
    const pixels = ctx.getImageData(0, 0, info.width, info.height).data;
    return new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  } finally {
    bitmap.close();
  }
}

/** Encodes RGBA bytes through a canvas; quality (1 to 100) applies to JPEG. */
export async function encodeRgbaBrowser(
  rgba: Uint8Array,
  width: number,
  height: number,
  format: 'png' | 'jpeg',
  quality: number,
): Promise<Uint8Array> {
  const ctx = context(width, height);
  ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  const blob = await ctx.canvas.convertToBlob({ type: MIME[format], quality: quality / 100 });
  return new Uint8Array(await blob.arrayBuffer());
}
