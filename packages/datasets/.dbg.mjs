import { init, tf } from '@atelier/core';
import { alignedFolder, closeWorkers } from '@atelier/datasets';
await init({ backend: process.argv[2] });
process.prependListener('unhandledRejection', (r, p) => { console.log('UNHANDLED', r, p); });
process.prependListener('uncaughtException', (e) => { console.log('UNCAUGHT', e); });
const pairs = await alignedFolder({ dir: 'facades/train', direction: 'BtoA', seed: 1 });
let n = 0;
for await (const { A, B } of pairs.shuffle(1).batch(1).prefetch(4)) {
  if (n++ === 0) console.log(A.shape);
  if (n === Number(process.argv[3])) break;
}
console.log('tensors left', tf.memory().numTensors);
await closeWorkers();
console.log('closed');
