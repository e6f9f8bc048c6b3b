import { ArgumentError, describe, readImage, type tf, writeImage } from '@atelier/core';

/**
 * Where the per-frame results of a video run go as they finish, one per (pass, frame):
 * the checkpoint of a long run. With `resume`, stylizeVideo takes a result the store
 * already has instead of computing it again. Images are [H, W, 3] in [0, 255], whole
 * numbers (a video run rounds every result, as the PNG files of artistic-videos do,
 * so a resumed run continues exactly as an uninterrupted one).
 */
export interface VideoFrameStore {
  read(pass: number, index: number): Promise<tf.Tensor3D | undefined>;
  write(pass: number, index: number, image: tf.Tensor3D): Promise<void>;
}

export interface FolderFrameStoreOptions {
  /** The run's number of passes: the last one's frames go to the folder itself. Default 1. */
  passes?: number;
  /** Digits of the frame numbers in file names (4: frame_0001.png). */
  digits?: number;
}

/**
 * A folder as the store (Node): the last pass's frames as dir/frame_0001.png, ... (frame
 * index + 1), earlier passes' as dir/passes/{pass}/frame_0001.png; PNG, each written to
 * a temporary file and renamed, so an interrupted run leaves only whole frames.
 */
export function folderFrameStore(
  dir: string,
  options: FolderFrameStoreOptions = {},
): VideoFrameStore {
  const fn = 'folderFrameStore';
  if (typeof dir !== 'string' || dir === '') {
    throw new ArgumentError(`${fn}: expected a folder path, got ${describe(dir)}`);
  }
  const passes = options.passes ?? 1;
  const digits = options.digits ?? 4;
  if (!Number.isSafeInteger(passes) || passes < 1) {
    throw new ArgumentError(`${fn}: passes must be an integer >= 1, got ${describe(passes)}`);
  }
  const pathOf = async (pass: number, index: number) => {
    const { join } = await import('node:path');
    const name = `frame_${String(index + 1).padStart(digits, '0')}.png`;
    return pass === passes ? join(dir, name) : join(dir, 'passes', String(pass), name);
  };
  return {
    async read(pass, index) {
      const path = await pathOf(pass, index);
      const { access } = await import('node:fs/promises');
      const found = await access(path).then(
        () => true,
        () => false,
      );
      return found ? readImage(path, { channels: 3 }) : undefined;
    },
    async write(pass, index, image) {
      const path = await pathOf(pass, index);
      const { dirname } = await import('node:path');
      const { mkdir } = await import('node:fs/promises');
      await mkdir(dirname(path), { recursive: true });
      await writeImage(path, image);
    },
  };
}
