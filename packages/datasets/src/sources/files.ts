import { ArgumentError, AtelierError, describe, isNode } from '@atelier/core';

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

/**
 * The PNG and JPEG files under `dir` (sub-folders too when `recursive`), sorted by path
 * as junyanz's make_dataset does, reporting progress every folder. An empty result is an
 * ArgumentError naming the folder.
 */
export async function listImages(
  dir: string,
  fn: string,
  options: { recursive?: boolean; onProgress?: ProgressCallback; natural?: boolean } = {},
): Promise<string[]> {
  requireNode(fn);
  const { join } = await import('node:path');
  const found: string[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    const folder = pending.shift()!;
    for (const entry of await directoryEntries(folder, fn)) {
      const path = join(folder, entry.name);
      if (entry.isDirectory() && options.recursive) pending.push(path);
      else if ((entry.isFile() || entry.isSymbolicLink()) && isImage(entry.name)) found.push(path);
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

/** A file's bytes; a missing or unreadable file is an ArgumentError naming it. */
export async function readBytes(path: string, fn: string): Promise<Uint8Array> {
  requireNode(fn);
  const { readFile } = await import('node:fs/promises');
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    throw new ArgumentError(
      `${fn}: ${path}: ${code === 'ENOENT' ? 'no such file' : (cause as Error).message}`,
      {
        cause,
      },
    );
  }
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
