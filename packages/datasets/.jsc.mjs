// ../../../../tmp/dsbench/js_cpu.ts
import { init } from "@atelier/core";
import { alignedFolder } from "/work/main/packages/datasets/dist/index.js";
async function main() {
  await init({ backend: "cpu" });
  for (const cache of [false, true]) {
    const ds = (await alignedFolder({ dir: "/tmp/atelier-bench-datasets/facades-96/train", workers: Number(process.argv[2]), cache })).shuffle(1).batch(4).prefetch(Number(process.argv[3] ?? 1));
    for (let e = 0; e < 3; e++) {
      const c = process.cpuUsage();
      const w = performance.now();
      let n = 0;
      for await (const b of ds) n += b.A.shape[0];
      const u = process.cpuUsage(c);
      console.log(`js in-thread cache=${cache}: cpu ms/image ${((u.user + u.system) / 1e3 / n).toFixed(2)}, wall ms/image ${((performance.now() - w) / n).toFixed(2)}`);
    }
  }
}
main();
