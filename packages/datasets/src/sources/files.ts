import { ArgumentError, AtelierError, describe, isNode } from '@atelier/core';
import {
  checkDataFile,
  type DataFilePolicy,
  readDataFile,
  resolveDataFiles,
} from './data-files.js';

/** Extensions of the files the image sources read (the formats core decodes). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

/** Progress of preparing a source: scanning folders, reading index files, caching. */
export interface Progress {
  stage: 'scan' | 'read' | 'cache';
  /** Items done so far (files listed, bytes read, images cached). */
  done: number;
  /** Items in all, when known. */
  total?: number;
  /** The folder or file being worked on. */
  path: string;
}

export type ProgressCallback = (progress: Progress) => void;

export function requireNode(fn: string): void {
  if (!isNode) {
    throw new AtelierError(
      `${fn} reads folders with Node's file system; in a browser, fetch the bytes and use the decoders (decodeIdx, decodeCifar10, decodeFlo) or Dataset.indexed`,
    );
  }
}

export function checkPath(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new ArgumentError(`${what}: expected a folder path, got ${describe(value)}`);
  }
  return value;
}

/** Natural order: "frame2" before "frame10", as numbered frames need. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function isImage(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

async function directoryEntries(dir: string, fn: string) {
  const { readdir } = await import('node:fs/promises');
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const why =
      code === 'ENOENT'
        ? 'no such folder'
        : code === 'ENOTDIR'
          ? 'not a folder'
          : (cause as Error).message;
    throw new ArgumentError(`${fn}: ${dir}: ${why}`, { cause });
  }
}

export interface ListOptions {
  recursive?: boolean;
  onProgress?: ProgressCallback;
  natural?: boolean;
  /** Symlinks and sizes (default: resolveDataFiles' defaults). */
  policy?: DataFilePolicy;
  /** The folder symlinks must stay inside (default `dir`). */
  root?: string;
  /**
   * Called with the error for an entry that is refused (a FIFO, a device, a symlink out
   * of the folder, ...), which is then left out; without it the listing throws.
   */
  onRefused?: (error: Error) => void;
}

/**
 * The PNG and JPEG files under `dir` (sub-folders too when `recursive`), sorted by path
 * as junyanz's make_dataset does, reporting progress every folder. An empty result is an
 * ArgumentError naming the folder. Only regular files are listed: an image-named FIFO,
 * device or socket, and a symlink out of `dir` (unless the policy follows them), is a
 * FormatError naming it (or reported to `onRefused` and left out). Symlinked folders
 * are not descended into.
 */
export async function listImages(
  dir: string,
  fn: string,
  options: ListOptions = {},
): Promise<string[]> {
  requireNode(fn);
  const { join } = await import('node:path');
  const policy = options.policy ?? resolveDataFiles(undefined, fn);
  const found: string[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    const folder = pending.shift()!;
    for (const entry of await directoryEntries(folder, fn)) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (options.recursive) pending.push(path);
        continue;
      }
      if (!isImage(entry.name)) continue;
      try {
        // Regular files are checked for size when read; anything else here and now.
        if (!entry.isFile()) await checkDataFile(path, options.root ?? dir, fn, policy);
        found.push(path);
      } catch (error) {
        if (!options.onRefused) throw error;
        options.onRefused(error as Error);
      }
    }
    options.onProgress?.({ stage: 'scan', done: found.length, path: folder });
  }
  if (found.length === 0) {
    throw new ArgumentError(
      `${fn}: ${dir}: no ${IMAGE_EXTENSIONS.join(', ')} images in this folder`,
    );
  }
  return found.sort(options.natural ? naturalCompare : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The sub-folders of `dir`, sorted (class folders of an ImageNet-style tree). */
export async function listFolders(dir: string, fn: string): Promise<string[]> {
  requireNode(fn);
  const entries = await directoryEntries(dir, fn);
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/**
 * A file's bytes, read as data-files.ts reads (regular files only, at most
 * `maxFileBytes`); a missing or unreadable file is an ArgumentError naming it, a FIFO,
 * device or oversized file a FormatError.
 */
export async function readBytes(
  path: string,
  fn: string,
  maxFileBytes?: number,
): Promise<Uint8Array> {
  requireNode(fn);
  return readDataFile(path, fn, maxFileBytes);
}

/** Whether a path exists (files named in several accepted ways, like MNIST's .gz or not). */
export async function exists(path: string): Promise<boolean> {
  const { access } = await import('node:fs/promises');
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
