/**
 * The worker thread behind `WorkerPool`: runs image tasks (read, decode, preprocess) off
 * the main thread and sends the pixels back without copying them.
 */
import { parentPort } from 'node:worker_threads';
import { type ImageTask, runImageTask } from './image-task.js';

interface Request {
  id: number;
  task: ImageTask;
}

parentPort!.on('message', async ({ id, task }: Request) => {
  try {
    const parts = await runImageTask(task);
    parentPort!.postMessage(
      { id, parts },
      parts.map((p) => p.data.buffer as ArrayBuffer),
    );
  } catch (error) {
    const e = error as Error;
    parentPort!.postMessage({ id, error: { name: e.name, message: e.message } });
  }
});
