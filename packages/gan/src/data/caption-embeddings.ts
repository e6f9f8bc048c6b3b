import { ArgumentError, describe, FormatError, readSafetensors, tf } from '@atelier/core';
import { type Dataset, singleFolder } from '@atelier/datasets';
import type { FolderLayout } from '../harnesses/descriptor.js';
import { captionEncoder } from '../harnesses/stackgan-text.js';
import { CAPTION_DIM } from './caption-sets.js';

/** Sentence embeddings, one row per image: [rows, dim]. */
export interface EmbeddingTable {
  rows: number;
  dim: number;
  values: Float32Array;
}

function table(values: Float32Array, rows: number, dim: number, where: string): EmbeddingTable {
  if (!(rows >= 1 && dim >= 1) || values.length !== rows * dim)
    throw new FormatError(
      `${where}: expected a 2-D [N, D] table of embeddings, got [${rows}, ${dim}]`,
    );
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!))
      throw new FormatError(`${where}: embedding value ${i} is ${values[i]}, not a finite number`);
  }
  return { rows, dim, values };
}

/** NumPy's .npy (version 1-3): a 2-D C-order little-endian float32 or float64 array. */
export function parseNpyEmbeddings(bytes: Uint8Array, where = 'npy'): EmbeddingTable {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b))
    throw new FormatError(`${where}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLength > bytes.length)
    throw new FormatError(
      `${where}: header of ${headerLength} bytes runs past the file's ${bytes.length}`,
    );
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined)
    throw new FormatError(`${where}: unreadable header ${JSON.stringify(header.slice(0, 120))}`);
  if (descr !== '<f4' && descr !== '<f8')
    throw new FormatError(`${where}: expected float32 or float64 ('<f4', '<f8'), got '${descr}'`);
  if (fortran === 'True') throw new FormatError(`${where}: expected C order, got Fortran order`);
  const dims = shape
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '')
    .map(Number);
  if (dims.length !== 2 || !dims.every((d) => Number.isSafeInteger(d)))
    throw new FormatError(`${where}: expected a 2-D array [N, D], got shape (${shape})`);
  const [rows, dim] = dims as [number, number];
  const data = start + headerLength;
  const size = descr === '<f4' ? 4 : 8;
  if (bytes.length - data !== rows * dim * size)
    throw new FormatError(
      `${where}: shape (${rows}, ${dim}) needs ${rows * dim * size} bytes of data, the file has ${bytes.length - data}`,
    );
  const values = new Float32Array(rows * dim);
  for (let i = 0; i < values.length; i++)
    values[i] =
      size === 4 ? view.getFloat32(data + 4 * i, true) : view.getFloat64(data + 8 * i, true);
  return table(values, rows, dim, where);
}

/** A .safetensors file holding one 2-D tensor [N, D]. */
export function parseSafetensorsEmbeddings(
  bytes: Uint8Array,
  where = 'safetensors',
): EmbeddingTable {
  const { tensors } = readSafetensors(bytes);
  const all = Object.values(tensors);
  try {
    if (all.length !== 1 || all[0]!.rank !== 2)
      throw new FormatError(
        `${where}: expected one 2-D tensor [N, D], got ${all.map((t) => `[${t.shape.join(', ')}]`).join(', ') || 'none'}`,
      );
    const t = all[0]!;
    return table(Float32Array.from(t.dataSync()), t.shape[0]!, t.shape[1]!, where);
  } finally {
    tf.dispose(all);
  }
}

/** JSON: an array of N arrays of D numbers. */
export function parseJsonEmbeddings(text: string, where = 'json'): EmbeddingTable {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${where}: not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(rows) || rows.length === 0 || !rows.every(Array.isArray))
    throw new FormatError(`${where}: expected an array of embedding arrays, got ${describe(rows)}`);
  const dim = (rows[0] as unknown[]).length;
  if (
    !rows.every(
      (r) =>
        (r as unknown[]).length === dim && (r as unknown[]).every((v) => typeof v === 'number'),
    )
  )
    throw new FormatError(`${where}: every row must hold ${dim} numbers`);
  return table(Float32Array.from((rows as number[][]).flat()), rows.length, dim, where);
}

const EMBEDDING_FILES = [
  'embeddings.npy',
  'embeddings.safetensors',
  'embeddings.json',
  'captions.txt',
];
const IMAGE_FILE = /\.(png|jpe?g|bmp|gif|webp|tiff?)$/i;

/**
 * Images with their sentence embeddings, as the reference's data folders (images plus
 * char-CNN-RNN embeddings and their file names): `<dir>/images/` and one of
 * embeddings.npy / .safetensors / .json ([N, D], row i for the i-th name of
 * filenames.json, or of the images sorted by name), or captions.txt (one caption a
 * line, in that order) embedded by the package's caption encoder.
 */
export const captionEmbeddingsLayout: FolderLayout = {
  describe:
    'images/ with embeddings.npy|.safetensors|.json (or captions.txt) and optional filenames.json',
  async load(c) {
    const { readFile, readdir, stat } = await import('node:fs/promises');
    const { join, basename } = await import('node:path');
    const images = join(c.dir, 'images');
    if (!(await stat(images).catch(() => undefined))?.isDirectory())
      throw new ArgumentError(
        `${c.where}: ${c.dir} has no images/ folder (expected images/ beside the embeddings)`,
      );
    const found: string[] = [];
    for (const f of EMBEDDING_FILES)
      if (await stat(join(c.dir, f)).catch(() => undefined)) found.push(f);
    if (found.length === 0)
      throw new ArgumentError(
        `${c.where}: ${c.dir} has no captions (none of ${EMBEDDING_FILES.join(', ')})`,
      );
    const file = join(c.dir, found[0]!);
    const bytes = new Uint8Array(await readFile(file));
    let emb: EmbeddingTable;
    if (file.endsWith('.npy')) emb = parseNpyEmbeddings(bytes, file);
    else if (file.endsWith('.safetensors')) emb = parseSafetensorsEmbeddings(bytes, file);
    else if (file.endsWith('.json'))
      emb = parseJsonEmbeddings(new TextDecoder().decode(bytes), file);
    else {
      const lines = new TextDecoder()
        .decode(bytes)
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l);
      const encoder = captionEncoder({ dim: CAPTION_DIM, seed: 0 });
      const values = new Float32Array(lines.length * CAPTION_DIM);
      lines.forEach((l, i) => {
        values.set(encoder.encode(l), i * CAPTION_DIM);
      });
      emb = table(values, lines.length, CAPTION_DIM, file);
    }
    const namesFile = join(c.dir, 'filenames.json');
    const names: unknown = (await stat(namesFile).catch(() => undefined))
      ? JSON.parse(await readFile(namesFile, 'utf8'))
      : (await readdir(images)).filter((n) => IMAGE_FILE.test(n)).sort();
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string'))
      throw new FormatError(`${namesFile}: expected an array of image file names`);
    if (names.length !== emb.rows)
      throw new FormatError(
        `${file}: ${emb.rows} embeddings for ${names.length} images; expected one per image`,
      );
    const row = new Map(names.map((n, i) => [basename(n), i]));
    const dataset = await singleFolder({
      ...c.preprocess,
      seed: c.seed,
      range: 'signed',
      dir: images,
    });
    const d = emb.dim;
    return {
      dataset: dataset.map((s) => {
        const i = row.get(basename(s.path));
        if (i === undefined)
          throw new FormatError(
            `${c.where}: ${s.path} has no embedding (not in the names of ${file})`,
          );
        return { image: s.image, embedding: tf.tensor1d(emb.values.subarray(i * d, (i + 1) * d)) };
      }) as Dataset<unknown>,
      description: { ...c.description, embeddings: file },
      channels: { image: 3 },
      textDim: d,
    };
  },
};
