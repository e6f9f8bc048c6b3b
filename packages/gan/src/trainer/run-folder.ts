import {
  ArgumentError,
  AtelierError,
  FormatError,
  removeStaleTemporaries,
  type tf,
  writeFileAtomic,
  writeImage,
} from '@atelier/core';
import { formatMetricsLine, type MetricsLine, parseMetrics } from './metrics-line.js';

async function node() {
  try {
    const fs = await import('node:fs/promises');
    const path = await import('node:path');
    return { fs, path };
  } catch (error) {
    throw new AtelierError('a run folder needs Node (files)', { cause: error });
  }
}

const encoder = new TextEncoder();

/**
 * The files of a run:
 *   config.json             what was run (harness, options, data, seed)
 *   metrics.jsonl           one line of losses every few steps
 *   samples/step-N.png      sample grids (input | output | target)
 *   checkpoint.safetensors  the latest checkpoint (atomic)
 *   <generator>.safetensors the generators' weights in PyTorch's layout, at the end
 *   index.html              the report
 */
export class RunFolder {
  private constructor(readonly dir: string) {}

  /**
   * Creates the folder if needed and removes the temporary files that writes killed
   * in the middle left in it (checkpoints are written to a temporary file first).
   */
  static async open(dir: string): Promise<RunFolder> {
    if (typeof dir !== 'string' || dir === '')
      throw new ArgumentError(`train: out must be a folder path, got ${JSON.stringify(dir)}`);
    const { fs, path } = await node();
    const resolved = path.resolve(dir);
    try {
      await fs.mkdir(resolved, { recursive: true });
    } catch (error) {
      throw new ArgumentError(
        `train: cannot create the run folder ${JSON.stringify(dir)}: ${(error as Error).message}`,
      );
    }
    const folder = new RunFolder(resolved);
    await removeStaleTemporaries(resolved);
    await removeStaleTemporaries(folder.file('samples'));
    return folder;
  }

  /** What the folder holds besides an empty `samples/` (names, sorted). */
  async contents(): Promise<string[]> {
    const { fs } = await node();
    const names = await fs.readdir(this.dir);
    const out: string[] = [];
    for (const name of names.sort()) {
      if (name === 'samples' && (await fs.readdir(this.file(name)).catch(() => [])).length === 0)
        continue;
      out.push(name);
    }
    return out;
  }

  /**
   * Removes what a run of ours writes and a new run might not replace: the checkpoint
   * (a later --resume would read it), the sample grids and the exported weights.
   */
  async clearRun(exports: string[]): Promise<void> {
    const { fs } = await node();
    await this.dropSamplesAfter(-1);
    for (const name of ['checkpoint.safetensors', ...exports])
      await fs.rm(this.file(name), { force: true });
  }

  file(name: string): string {
    return `${this.dir}/${name}`;
  }

  get checkpoint(): string {
    return this.file('checkpoint.safetensors');
  }

  get report(): string {
    return this.file('index.html');
  }

  async exists(name: string): Promise<boolean> {
    const { fs } = await node();
    return fs.access(this.file(name)).then(
      () => true,
      () => false,
    );
  }

  async writeText(name: string, text: string): Promise<void> {
    await writeFileAtomic(this.file(name), encoder.encode(text));
  }

  async readText(name: string): Promise<string | undefined> {
    const { fs } = await node();
    try {
      return await fs.readFile(this.file(name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ArgumentError(`cannot read ${this.file(name)}: ${(error as Error).message}`);
    }
  }

  async writeJson(name: string, value: unknown): Promise<void> {
    await this.writeText(name, `${JSON.stringify(value, null, 2)}\n`);
  }

  async readJson(name: string): Promise<unknown> {
    const text = await this.readText(name);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new FormatError(
        `${this.file(name)} is damaged: not JSON (${(error as Error).message})`,
      );
    }
  }

  async appendMetrics(lines: MetricsLine[]): Promise<void> {
    if (lines.length === 0) return;
    const { fs } = await node();
    await fs.appendFile(this.file('metrics.jsonl'), lines.map(formatMetricsLine).join(''));
  }

  /** The metrics up to and including `step`; later lines (from a killed run) are dropped from the file. */
  async metricsUpTo(step: number): Promise<MetricsLine[]> {
    const text = (await this.readText('metrics.jsonl')) ?? '';
    const lines = parseMetrics(text).filter((m) => m.step <= step);
    await this.writeText('metrics.jsonl', lines.map(formatMetricsLine).join(''));
    return lines;
  }

  async startMetrics(): Promise<void> {
    await this.writeText('metrics.jsonl', '');
  }

  /** Writes a grid [H, W, C] in [0, 255] as samples/step-N.png; returns the relative name. */
  async writeSample(step: number, grid: tf.Tensor3D): Promise<string> {
    const name = `samples/step-${step}.png`;
    const { fs } = await node();
    await fs.mkdir(this.file('samples'), { recursive: true });
    await writeImage(this.file(name), grid);
    return name;
  }

  /** The sample grids present, by step. */
  async samples(): Promise<{ step: number; file: string }[]> {
    const { fs } = await node();
    const names = await fs.readdir(this.file('samples')).catch(() => [] as string[]);
    return names
      .map((n) => /^step-(\d+)\.png$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ step: Number(m[1]), file: `samples/${m[0]}` }))
      .sort((a, b) => a.step - b.step);
  }

  /** Removes sample grids after `step` (left by a killed run that is resumed). */
  async dropSamplesAfter(step: number): Promise<void> {
    const { fs } = await node();
    for (const s of await this.samples())
      if (s.step > step) await fs.rm(this.file(s.file), { force: true });
  }
}
