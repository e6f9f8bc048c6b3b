// ../../../../tmp/dsbench/w.ts
import { alignedFolder, closeWorkers } from "/work/main/packages/datasets/dist/index.js";
import { tf } from "@atelier/core";
async function main() {
  const workers = Number(process.argv[3]);
  const ds = await alignedFolder({ dir: process.argv[2], workers });
  for (let k = 0; k < 3; k++) {
    const t = performance.now();
    const out = await Promise.all(Array.from({ length: 8 }, (_, i) => ds.get(i + k * 8)));
    console.log("8 samples", (performance.now() - t).toFixed(0), "ms", tf.getBackend());
    for (const s of out) tf.dispose([s.A, s.B]);
  }
  await closeWorkers();
}
main();
