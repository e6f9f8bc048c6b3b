// ../../../../tmp/dsbench/js_bench.ts
import { init, tf } from "@atelier/core";
import { alignedFolder, closeWorkers } from "/work/main/packages/datasets/dist/index.js";
async function main() {
  await init({ backend: "cpu" });
  const workers = Number(process.argv[3]);
  const batch = Number(process.argv[4]);
  const ds = (await alignedFolder({ dir: process.argv[2], workers, cache: process.argv[5] === "cache" })).shuffle(1).batch(batch).prefetch(2);
  for (let epoch = 0; epoch < 3; epoch++) {
    const t = performance.now();
    let n = 0;
    for await (const b of ds) n += b.A.shape[0];
    const dt = (performance.now() - t) / 1e3;
    console.log(`epoch ${epoch}: ${n} images in ${dt.toFixed(2)}s = ${(n / dt).toFixed(1)} images/s; tensors ${tf.memory().numTensors}`);
  }
  await closeWorkers();
}
main();
