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
  const held: unknown[] = [];
  console.warn = (...args: unknown[]) => held.push(args);
  try {
    const ok = await tf.setBackend(name);
    // setBackend may return false yet leave getBackend() naming the old backend: check both.
    return ok && tf.getBackend() === name;
  } catch (error) {
    lastErrors.set(name, lastErrors.get(name) ?? error);
    return false;
  } finally {
    console.warn = warn;
  }
}
