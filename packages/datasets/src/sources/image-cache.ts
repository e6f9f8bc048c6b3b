import type { DecodedImage } from '../pipeline/image-task.js';
import type { ProgressCallback } from './files.js';

/**
 * Decoded files kept in memory (as bytes) after their first read, so later epochs skip
 * reading and decoding: only the random crop and flip are computed again. Worth it when
 * the folder fits in memory (facades: 400 files, 150 MB); progress reports each file
 * cached.
 */
export class ImageCache {
  private images = new Map<string, DecodedImage>();
  bytes = 0;

  constructor(
    private readonly total: number,
    private readonly onProgress: ProgressCallback | undefined,
  ) {}

  get(path: string): DecodedImage | undefined {
    return this.images.get(path);
  }

  set(path: string, image: DecodedImage): void {
    if (this.images.has(path)) return;
    this.images.set(path, image);
    this.bytes += image.bytes.byteLength;
    this.onProgress?.({ stage: 'cache', done: this.images.size, total: this.total, path });
  }

  get size(): number {
    return this.images.size;
  }
}
