import { tf } from '../tfjs.js';

/**
 * tfjs swallows a backend factory's error (it logs a warning and `setBackend` returns
 * false). Wrapping each registered factory keeps the error so `init` can report it.
 */
const lastErrors = new Map<string, unknown>();
const wrapped = new Set<string>();

export function keepFactoryErrors(name: string, priority: number): void {
  if (wrapped.has(name)) return;
  const factory = tf.findBackendFactory(name);
  if (factory == null) return;
  tf.removeBackend(name);
  tf.registerBackend(
    name,
    async () => {
      lastErrors.delete(name);
      try {
        return await factory();
      } catch (error) {
        lastErrors.set(name, error);
        throw error;
      }
    },
    priority,
  );
  wrapped.add(name);
}

export function recordFactoryError(name: string, error: unknown): void {
  lastErrors.set(name, error);
}

export function takeFactoryError(name: string): unknown {
  const error = lastErrors.get(name);
  lastErrors.delete(name);
  return error;
}

/** Runs `setBackend` with tfjs's own console warnings held back; returns whether it worked. */
export async function setBackendQuietly(name: string): Promise<boolean> {
  const warn = console.warn;
  console.warn = () => {};
  // The engine's field, not getBackend(): that would start a default backend.
  const previous = (tf.engine() as unknown as { backendName: string | null }).backendName;
  let ok = false;
  try {
    ok = (await tf.setBackend(name)) && tf.getBackend() === name;
  } catch (error) {
    lastErrors.set(name, lastErrors.get(name) ?? error);
  } finally {
    console.warn = warn;
  }
  // A failed setBackend leaves the engine naming the failed backend: go back.
  if (!ok && previous != null && previous !== name && tf.findBackend(previous) != null) {
    await tf.setBackend(previous);
  }
  return ok;
}
