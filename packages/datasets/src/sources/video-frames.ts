import { ArgumentError, describe, resolveMaxPixels, tf } from '@atelier/core';
import { decodeFlo, type Flow } from '../formats/flo.js';
import { bytesRaster } from '../image/bytes.js';
import { checkRange, type ImageRange, scaleInto } from '../image/range.js';
import { resize } from '../image/resample.js';
import { Dataset } from '../pipeline/dataset.js';
import { decodeToBytes } from '../pipeline/image-task.js';
import { type DataFileOptions, readFolderFile, resolveDataFiles } from './data-files.js';
import { checkPath, exists, listImages, type ProgressCallback } from './files.js';
import { loadSample, type ResolvedSource } from './image-source.js';

export interface VideoFramesOptions extends DataFileOptions {
  /** A folder of numbered frames (frame_0001.png, ...), taken in natural order. */
  dir: string;
  /**
   * A folder of Middlebury .flo files named as artistic-videos writes them:
   * backward_{t}_{t-1}.flo (from frame t to the previous one) and forward_{t-1}_{t}.flo,
   * t being the number in the frame's file name. Missing files give no flow.
   */
  flowDir?: string;
  /** Resize frames (bicubic) and flows (bilinear, vectors scaled to match) to [width, height]. */
  resize?: [number, number];
  range?: ImageRange;
  /** The decoders' pixel budget (default ATELIER_MAX_PIXELS, else 2^26): a larger frame is a FormatError naming it. */
  maxPixels?: number;
  skipBroken?: boolean;
  onWarning?: (message: string) => void;
  onProgress?: ProgressCallback;
}

export interface VideoFrame {
  frame: tf.Tensor3D;
  /** The number in the file name. */
  number: number;
  path: string;
  /** Flow from this frame to the previous one, [H, W, 2] (u, v in pixels), when present. */
  flowBackward?: tf.Tensor3D;
  /** Flow from the previous frame to this one, when present. */
  flowForward?: tf.Tensor3D;
}

function frameNumber(path: string): number | undefined {
  const name = path.split(/[\\/]/).pop()!;
  const digits = name.match(/(\d+)(?!.*\d)/);
  return digits ? Number(digits[1]) : undefined;
}

function flowTensor(flow: Flow, size: [number, number] | undefined): tf.Tensor3D {
  if (!size || (size[0] === flow.width && size[1] === flow.height)) {
    return tf.tensor3d(flow.data, [flow.height, flow.width, 2], 'float32');
  }
  const [width, height] = size;
  const out = resize(
    { data: flow.data, height: flow.height, width: flow.width, channels: 2 },
    width,
    height,
    { interpolation: 'bilinear' },
  );
  // Displacements are in pixels: they scale with the image.
  const sx = width / flow.width;
  const sy = height / flow.height;
  for (let i = 0; i < out.data.length; i += 2) {
    out.data[i]! *= sx;
    out.data[i + 1]! *= sy;
  }
  return tf.tensor3d(out.data, [height, width, 2], 'float32');
}

/**
 * Video frames for video style transfer, in order (do not shuffle), each with the
 * optical flow to and from the previous frame when a flow folder is given. Decoding runs
 * in this thread: frames are consumed one at a time.
 */
export async function videoFrames(options: VideoFramesOptions): Promise<Dataset<VideoFrame>> {
  const fn = 'videoFrames';
  const dir = checkPath(options?.dir, fn);
  const range = checkRange(options.range, fn);
  const size = options.resize;
  if (
    size !== undefined &&
    !(Array.isArray(size) && size.length === 2 && size.every((v) => Number.isInteger(v) && v > 0))
  ) {
    throw new ArgumentError(
      `${fn}: resize must be [width, height] of positive integers, got ${describe(size)}`,
    );
  }
  const policy = resolveDataFiles(options, fn);
  const maxPixels = resolveMaxPixels(options.maxPixels, fn);
  const files = await listImages(dir, fn, {
    natural: true,
    onProgress: options.onProgress,
    policy,
  });
  const numbers = files.map((f, i) => frameNumber(f) ?? i + 1);
  const { join } = await import('node:path');
  const flowDir =
    options.flowDir === undefined ? undefined : checkPath(options.flowDir, `${fn}: flowDir`);
  const source = {
    skipBroken: options.skipBroken ?? false,
    warn: options.onWarning ?? ((m: string) => console.warn(m)),
  } as ResolvedSource;
  const reported = new Set<string>();
  const readFlow = async (name: string) => {
    if (!flowDir) return undefined;
    const path = join(flowDir, name);
    if (!(await exists(path))) return undefined;
    return flowTensor(decodeFlo(await readFolderFile(path, flowDir, fn, policy), path), size);
  };
  return Dataset.indexed(files.length, (index) =>
    loadSample(
      source,
      async () => {
        const path = files[index]!;
        const limits = { maxFileBytes: policy.maxFileBytes, maxPixels };
        const bytes = await decodeToBytes(path, 3, 'js', limits);
        const pixels =
          size && (bytes.width !== size[0] || bytes.height !== size[1])
            ? resize(bytesRaster(bytes), size[0], size[1], { clampTo: 255, round: true })
            : { ...bytes, data: Float32Array.from(bytes.bytes) };
        const t = numbers[index]!;
        const out: VideoFrame = {
          frame: tf.tensor3d(
            scaleInto(pixels.data, 255, range),
            [pixels.height, pixels.width, 3],
            'float32',
          ),
          number: t,
          path,
        };
        if (index > 0) {
          const previous = numbers[index - 1]!;
          try {
            const backward = await readFlow(`backward_${t}_${previous}.flo`);
            if (backward) out.flowBackward = backward;
            const forward = await readFlow(`forward_${previous}_${t}.flo`);
            if (forward) out.flowForward = forward;
          } catch (error) {
            tf.dispose(
              [out.frame, out.flowBackward, out.flowForward].filter(
                (x): x is tf.Tensor3D => x !== undefined,
              ),
            );
            throw error;
          }
        }
        return out;
      },
      reported,
    ),
  );
}
