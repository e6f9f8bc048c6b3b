/**
 * A process that writes a large checkpoint and can be made to stop in the middle, for
 * checkpoint.test.ts to kill with SIGKILL at a known moment. The test bundles this file
 * with esbuild and runs it with node:
 *
 *   node child.mjs <checkpoint path> <mode> <marker path>
 *
 * mode `complete` saves and exits; `mid-write` stops after the first chunk of the
 * temporary file is written; `before-rename` stops with the temporary file complete
 * and flushed, just before it would replace the checkpoint. On stopping, the marker
 * file is written, and the process waits to be killed. The stops are made by wrapping
 * node:fs/promises from outside (syncBuiltinESMExports), so the checkpoint code runs
 * unchanged.
 */
import { writeFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { Module } from '../src/module/module.js';
import { parameter } from '../src/module/parameter.js';
import { tf } from '../src/tfjs.js';
import { saveCheckpoint } from '../src/training/checkpoint.js';

const [path, mode, marker] = process.argv.slice(2) as [string, string, string];

function stopHere(what: string): Promise<never> {
  writeFileSync(marker, what);
  setInterval(() => undefined, 60_000); // keeps the process alive until it is killed
  return new Promise<never>(() => undefined);
}

if (mode === 'mid-write') {
  const open = fsp.open;
  fsp.open = (async (...args: Parameters<typeof open>) => {
    const handle = await open(...args);
    if (String(args[0]).endsWith('.tmp')) {
      const write = handle.write.bind(handle) as (...a: unknown[]) => Promise<unknown>;
      let calls = 0;
      (handle as unknown as { write: unknown }).write = async (...a: unknown[]) => {
        const result = await write(...a);
        if (++calls === 1) await stopHere('mid-write');
        return result;
      };
    }
    return handle;
  }) as typeof open;
} else if (mode === 'before-rename') {
  fsp.rename = (() => stopHere('before-rename')) as typeof fsp.rename;
} else if (mode !== 'complete') {
  throw new Error(`unknown mode ${mode}`);
}
syncBuiltinESMExports();

/** 4M floats (16 MiB): two chunks of the atomic writer at least. */
class Big extends Module {
  weight = parameter(() => tf.fill([1024, 4096], 0.5));
  forward(x: tf.Tensor) {
    return x;
  }
}

await saveCheckpoint(path, { modules: { net: new Big() }, step: 99, extra: { writer: 'child' } });
process.exit(0);
