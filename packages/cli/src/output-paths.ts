import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { UsageError } from './errors.js';

/**
 * What a path names on the disk, so two spellings of one file compare equal: an
 * existing file by device and inode (symlinks and hard links included), a file not
 * written yet by the real path of its nearest existing folder and the names below it.
 */
export async function fileIdentity(path: string): Promise<string> {
  const full = resolve(path);
  try {
    const s = await stat(full);
    return `inode ${s.dev}:${s.ino}`;
  } catch {
    // Not there (yet): compare where it would be.
  }
  const below: string[] = [];
  let dir = full;
  for (;;) {
    below.unshift(basename(dir));
    const parent = dirname(dir);
    if (parent === dir) return `path ${full}`;
    dir = parent;
    try {
      return `path ${join(await realpath(dir), ...below)}`;
    } catch {
      // That folder does not exist either: go up.
    }
  }
}

/** Refuses an output that is the input file itself (a path, a symlink or a hard link to it). */
export async function checkOutputIsNotInput(
  input: string,
  output: string,
  command: string,
): Promise<void> {
  if ((await fileIdentity(input)) === (await fileIdentity(output))) {
    throw new UsageError(
      `${command}: the output '${output}' is the input '${input}'; write it to another file`,
    );
  }
}

/**
 * Where `translate` writes each input's result, `<name>_fake.png` in `out` or beside the
 * input, refusing before anything is written when two inputs would write the same file
 * (a/x.png and b/x.png into one folder) or a result would replace one of the inputs.
 */
export async function translateOutputPaths(inputs: string[], out?: string): Promise<string[]> {
  const outputs = inputs.map((input) => {
    const name = `${basename(input, extname(input))}_fake.png`;
    return out ? join(out, name) : join(input, '..', name);
  });
  const inputIds = new Map<string, string>();
  for (const input of inputs) inputIds.set(await fileIdentity(input), input);
  const written = new Map<string, string>();
  for (const [i, output] of outputs.entries()) {
    const id = await fileIdentity(output);
    const earlier = written.get(id);
    if (earlier !== undefined) {
      throw new UsageError(
        `'${earlier}' and '${inputs[i]}' would both be written to '${output}'; translate them into separate --out folders`,
      );
    }
    written.set(id, inputs[i]!);
    const input = inputIds.get(id);
    if (input !== undefined) {
      throw new UsageError(
        `the result of '${inputs[i]}' would replace the input '${input}' ('${output}'); choose another --out folder`,
      );
    }
  }
  return outputs;
}
