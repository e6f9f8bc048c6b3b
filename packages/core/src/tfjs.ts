/**
 * The one TensorFlow.js instance of Atelier.
 *
 * tfjs-core registers neither gradients nor chained ops by itself, and its ESM files use
 * extension-less imports that Node's own ESM loader rejects. So this package bundles
 * tfjs-core's ESM build (and the backends) at build time: every loader (Node ESM, Node
 * CJS, Vite, browser bundlers) then sees exactly one copy, with everything registered.
 * Other packages take `tf` from here and never import a tfjs package themselves.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';

// Production mode: no advertising for tfjs-node, no deprecation chatter.
tf.enableProdMode();

// Until `init` chooses, compute on the CPU backend: it starts synchronously, whereas
// tfjs would pick wasm by priority, which needs an awaited start (and its binaries).
{
  const cpu = tf.findBackendFactory('cpu');
  tf.removeBackend('cpu');
  tf.registerBackend('cpu', cpu, 10);
}

export { tf };

/**
 * Counts the copies of tfjs-core in this process. A second copy (say, a backend that
 * resolved tfjs-core's CJS `main` while we hold its ESM `module`) shares the global
 * engine only partly and breaks kernel and backend lookup in subtle ways.
 * A copy loaded before ours owns the global Tensor class; a copy loaded after ours
 * sets the (shared) environment's platform again: both are counted.
 */
const laterCopies = { count: 0 };
{
  const environment = tf.env() as unknown as { setPlatform: (...args: unknown[]) => void };
  const setPlatform = environment.setPlatform.bind(environment);
  environment.setPlatform = (...args: unknown[]) => {
    laterCopies.count++;
    setPlatform(...args);
  };
}

/** The number of tfjs-core copies loaded in this process; anything but 1 is a bug. */
export function tfjsCopies(): number {
  const globals = (globalThis as { _tfGlobals?: Map<string, unknown> })._tfGlobals;
  const earlier =
    globals?.get('Tensor') !== undefined && globals.get('Tensor') !== tf.Tensor ? 1 : 0;
  return 1 + earlier + laterCopies.count;
}
