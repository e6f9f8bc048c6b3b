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
    const result = await runImageTask(task);
    const transfer = result.parts.map((p) => p.data.buffer as ArrayBuffer);
    if (result.decoded) transfer.push(result.decoded.bytes.buffer as ArrayBuffer);
    parentPort!.postMessage({ id, result }, transfer);
  } catch (error) {
    const e = error as Error;
    parentPort!.postMessage({ id, error: { name: e.name, message: e.message } });
  }
});
