/**
 * How data folders are read: regular files only, of bounded size, and no symbolic link
 * that leads out of the folder unless the user allows it. A FIFO would block a read
 * forever and /dev/zero never ends, so files are opened non-blocking and checked with
 * fstat on the open descriptor (the file that is read is the file that was checked)
 * before a byte is read; a symlink's target is checked when a folder is listed.
 */
import { ArgumentError, describe, FormatError } from '@atelier/core';

/** 1 GiB: above any file of the formats read here (MNIST's largest is 47 MB). */
export const DEFAULT_MAX_FILE_BYTES = 2 ** 30;

export interface DataFileOptions {
  /**
   * The largest file read, in bytes. Default: ATELIER_MAX_FILE_BYTES, else 1 GiB.
   * A larger file is a FormatError naming it.
   */
  maxFileBytes?: number;
  /**
   * Follow symbolic links whose target lies outside the folder being read (default
   * false: such links are refused; links within the folder are always followed).
   */
  followSymlinks?: boolean;
}

export interface DataFilePolicy {
  maxFileBytes: number;
  followSymlinks: boolean;
}

const RAISE = 'raise it with the maxFileBytes option or ATELIER_MAX_FILE_BYTES';

function fromEnvironment(): number {
  const text = typeof process !== 'undefined' ? process.env?.ATELIER_MAX_FILE_BYTES : undefined;
  if (text === undefined || text === '') return DEFAULT_MAX_FILE_BYTES;
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new ArgumentError(
      `ATELIER_MAX_FILE_BYTES must be a positive whole number of bytes, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** The policy from a source's options (validated), the environment and the defaults. */
export function resolveDataFiles(options: DataFileOptions | undefined, fn: string): DataFilePolicy {
  const max = options?.maxFileBytes;
  if (max !== undefined && !(typeof max === 'number' && Number.isSafeInteger(max) && max >= 1)) {
    throw new ArgumentError(
      `${fn}: maxFileBytes must be a positive whole number, got ${describe(max)}`,
    );
  }
  const follow = options?.followSymlinks;
  if (follow !== undefined && typeof follow !== 'boolean') {
    throw new ArgumentError(`${fn}: followSymlinks must be a boolean, got ${describe(follow)}`);
  }
  return { maxFileBytes: max ?? fromEnvironment(), followSymlinks: follow ?? false };
}

/** What a non-regular file is, in words. */
function kindOf(stats: import('node:fs').Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function checkStats(path: string, fn: string, stats: import('node:fs').Stats, max: number): void {
  if (!stats.isFile()) {
    throw new FormatError(
      `${fn}: ${path} is ${kindOf(stats)}: data folders hold regular files only`,
    );
  }
  if (stats.size > max) {
    throw new FormatError(
      `${fn}: ${path} is ${stats.size} bytes, more than the limit of ${max} per file; ${RAISE}`,
    );
  }
}

/**
 * Checks a folder entry before it is listed: its target (through any symlink) must be
 * a regular file within the size limit, and a symlink must stay inside `root` unless the
 * policy follows links out. Throws a FormatError naming the file.
 */
export async function checkDataFile(
  path: string,
  root: string,
  fn: string,
  policy: DataFilePolicy,
): Promise<void> {
  const { lstat, realpath, stat } = await import('node:fs/promises');
  const { relative, isAbsolute } = await import('node:path');
  let link: import('node:fs').Stats;
  try {
    link = await lstat(path);
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : (cause as Error).message;
    throw new ArgumentError(`${fn}: ${path}: ${why}`, { cause });
  }
  if (link.isSymbolicLink()) {
    let target: string;
    try {
      target = await realpath(path);
    } catch (cause) {
      throw new FormatError(`${fn}: ${path} is a broken symbolic link`, { cause });
    }
    const inside = relative(await realpath(root), target);
    const outside = inside.startsWith('..') || isAbsolute(inside);
    if (outside && !policy.followSymlinks) {
      throw new FormatError(
        `${fn}: ${path} is a symbolic link to ${target}, outside ${root}; ` +
          'pass followSymlinks: true to read links out of the folder',
      );
    }
  }
  checkStats(path, fn, link.isSymbolicLink() ? await stat(path) : link, policy.maxFileBytes);
}

/**
 * A data file's bytes: opened without blocking (a FIFO cannot hang the read), checked
 * on the open descriptor to be a regular file within `maxFileBytes`, then read to its
 * size and no further. A missing file is an ArgumentError, anything else not readable a
 * FormatError, each naming the file.
 */
export async function readDataFile(
  path: string,
  fn: string,
  maxFileBytes: number = resolveDataFiles(undefined, fn).maxFileBytes,
): Promise<Uint8Array> {
  const { open, constants } = await import('node:fs').then((fs) => ({
    open: fs.promises.open,
    constants: fs.constants,
  }));
  let handle: import('node:fs/promises').FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : (cause as Error).message;
    throw new ArgumentError(`${fn}: ${path}: ${why}`, { cause });
  }
  try {
    const stats = await handle.stat();
    checkStats(path, fn, stats, maxFileBytes);
    const bytes = new Uint8Array(stats.size);
    let done = 0;
    while (done < bytes.length) {
      const { bytesRead } = await handle.read(bytes, done, bytes.length - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    if (done !== bytes.length) {
      throw new FormatError(
        `${fn}: ${path} shrank while being read (${done} of ${stats.size} bytes)`,
      );
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/** A file of a data folder `root`: checked as a listed entry is, then read as readDataFile. */
export async function readFolderFile(
  path: string,
  root: string,
  fn: string,
  policy: DataFilePolicy,
): Promise<Uint8Array> {
  await checkDataFile(path, root, fn, policy);
  return readDataFile(path, fn, policy.maxFileBytes);
}
