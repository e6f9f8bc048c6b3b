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
  const temporary = join(
    folder,
    `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`,
  );

  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
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
