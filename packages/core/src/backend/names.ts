export const BACKEND_NAMES = ['webgpu', 'wasm', 'cpu'] as const;
/** A backend Atelier can run on. */
export type BackendName = (typeof BACKEND_NAMES)[number];
/** What `init` accepts: a backend, or `'auto'` to choose the best one available. */
export type BackendChoice = BackendName | 'auto';
