import { AtelierError, FormatError, isNode } from '@atelier/core';
import { type ImageTask, runImageTask, type TaskResult } from './image-task.js';

/** How many decode threads: a number (0 decodes in the calling thread) or 'auto'. */
export type WorkersOption = number | 'auto';

interface Pending {
  resolve: (result: TaskResult) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: import('node:worker_threads').Worker;
  busy: number;
}

/**
 * The worker script: next to this module in the built package; from the sources (tests
 * run them), the built one in ../../dist.
 */
async function workerScript(): Promise<URL | undefined> {
  const { existsSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  for (const candidate of ['./decode-worker.js', '../../dist/decode-worker.js']) {
    const url = new URL(candidate, import.meta.url);
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}

/**
 * Worker threads that read, decode and preprocess images (Node only). Tasks go to the
 * least busy thread; threads hold the process open only while they have work.
 */
export class WorkerPool {
  private slots: Slot[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 0;
  private starting: Promise<void> | undefined;
  /** Tasks run so far, by where they ran (tests check the threads are used). */
  readonly stats = { worker: 0 };

  constructor(readonly size: number) {}

  private async start(): Promise<void> {
    const script = await workerScript();
    if (!script) {
      throw new AtelierError(
        'WorkerPool: decode-worker.js not found next to the package (build @atelier/datasets first, or pass workers: 0)',
      );
    }
    const { Worker } = await import('node:worker_threads');
    for (let i = 0; i < this.size; i++) {
      const worker = new Worker(script);
      worker.unref();
      const slot: Slot = { worker, busy: 0 };
      worker.on(
        'message',
        (message: {
          id: number;
          result?: TaskResult;
          error?: { name: string; message: string };
        }) => {
          const p = this.pending.get(message.id);
          if (!p) return;
          this.pending.delete(message.id);
          slot.busy--;
          if (slot.busy === 0) worker.unref();
          if (message.error) {
            const { name, message: text } = message.error;
            p.reject(
              name === 'FormatError' ? new FormatError(text) : new AtelierError(`${name}: ${text}`),
            );
          } else p.resolve(message.result!);
        },
      );
      worker.on('error', (error) => {
        // A crashed thread fails everything it held.
        for (const [id, p] of this.pending) {
          p.reject(new AtelierError(`decode worker failed: ${error.message}`, { cause: error }));
          this.pending.delete(id);
        }
      });
      this.slots.push(slot);
    }
  }

  async run(task: ImageTask): Promise<TaskResult> {
    this.starting ??= this.start();
    await this.starting;
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.busy < slot.busy) slot = s;
    const id = this.nextId++;
    if (slot.busy === 0) slot.worker.ref();
    slot.busy++;
    this.stats.worker++;
    return new Promise<TaskResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, task });
    });
  }

  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    this.starting = undefined;
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

const pools = new Map<number, WorkerPool>();

/** The number of threads 'auto' means: one per spare core, at most 4; none outside Node. */
export async function resolveWorkers(option: WorkersOption | undefined): Promise<number> {
  if (!isNode) return 0;
  if (option === undefined || option === 'auto') {
    const os = await import('node:os');
    const cores =
      typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    return Math.min(4, Math.max(1, cores - 1));
  }
  return option;
}

/** Runs image tasks on a shared pool of `workers` threads, or here when `workers` is 0. */
export async function runTask(task: ImageTask, workers: number): Promise<TaskResult> {
  if (workers === 0) return runImageTask(task);
  let pool = pools.get(workers);
  if (!pool) pools.set(workers, (pool = new WorkerPool(workers)));
  return pool.run(task);
}

/** The shared pool of this size, if started (tests inspect its stats). */
export function sharedPool(workers: number): WorkerPool | undefined {
  return pools.get(workers);
}

/** Stops every decode thread (they also stop on their own when the process exits). */
export async function closeWorkers(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.close()));
}
