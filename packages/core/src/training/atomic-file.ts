import { ArgumentError, AtelierError, describe } from '../errors.js';

/**
 * Node's file modules. Behind `if (__NODE__)` so the browser build drops the imports;
 * there, checkpoints and other files are not available.
 */
export async function nodeFiles() {
  if (__NODE__) {
    const fs = await import('node:fs/promises');
    const { basename, dirname, join } = await import('node:path');
    return { fs, basename, dirname, join };
  }
  throw new AtelierError('files can only be read and written in Node');
}

/** Bytes handed to the OS per write call: progress is visible and memory stays flat. */
const CHUNK_BYTES = 8 * 1024 * 1024;

/** `.<name>.<pid>.<random>.tmp`: the temporary files writeFileAtomic makes. */
const TEMPORARY = /^\..+\.(\d+)\.[0-9a-z]*\.tmp$/;

/** The temporary files this process is writing now: never stale. */
const writing = new Set<string>();

function temporaryName(path: string, basename: (p: string) => string): string {
  return `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
}

/** Whether a process with this id runs (one that is not ours to signal runs too). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files a killed writeFileAtomic left in `folder` (Node only): the
 * names of its pattern whose process no longer runs, or is this one but not writing
 * them (a restarted container reuses its process ids). Files of a process that runs
 * are left: it may be writing them. Returns the paths removed.
 */
export async function removeStaleTemporaries(folder: string): Promise<string[]> {
  if (typeof folder !== 'string' || folder === '') {
    throw new ArgumentError(
      `removeStaleTemporaries: folder must be a non-empty string, got ${describe(folder)}`,
    );
  }
  const { fs, join } = await nodeFiles();
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(folder, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ArgumentError(`cannot list ${JSON.stringify(folder)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const match = TEMPORARY.exec(entry.name);
    if (!match || !entry.isFile()) continue;
    const path = join(folder, entry.name);
    const pid = Number(match[1]);
    const stale = pid === process.pid ? !writing.has(path) : !processRuns(pid);
    if (!stale) continue;
    await fs.rm(path, { force: true });
    removed.push(path);
  }
  return removed;
}

/**
 * Writes `bytes` to `path` (Node only) so that a crash at any moment leaves either the
 * old file or the new one, never a mixture: the bytes go to a temporary file in the same
 * folder (a rename is atomic only within one file system), are flushed to the disk
 * (fsync), and the temporary file is then renamed over the target; the folder is
 * flushed too, so the rename itself survives a power cut.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  if (typeof path !== 'string' || path === '') {
    throw new ArgumentError(
      `writeFileAtomic: path must be a non-empty string, got ${describe(path)}`,
    );
  }
  if (!(bytes instanceof Uint8Array)) {
    throw new ArgumentError(`writeFileAtomic: expected a Uint8Array, got ${describe(bytes)}`);
  }
  const { fs, basename, dirname, join } = await nodeFiles();
  const folder = dirname(path);
  const temporary = join(folder, temporaryName(path, basename));

  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
  writing.add(temporary);
  try {
    handle = await fs.open(temporary, 'wx');
    let offset = 0;
    while (offset < bytes.length) {
      const length = Math.min(CHUNK_BYTES, bytes.length - offset);
      const { bytesWritten } = await handle.write(bytes, offset, length);
      offset += bytesWritten;
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temporary, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    throw new ArgumentError(
      `could not write ${JSON.stringify(path)}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    writing.delete(temporary);
  }

  try {
    const dir = await fs.open(folder, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Some platforms (Windows) cannot open or flush a folder; the rename is done anyway.
  }
}
