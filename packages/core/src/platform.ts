/** True in Node (and Node-like runtimes), false in browsers and workers. */
export const isNode: boolean =
  typeof process !== 'undefined' &&
  typeof process.versions === 'object' &&
  typeof process.versions?.node === 'string';

/** Reads an environment variable in Node; undefined elsewhere. */
export function envVar(name: string): string | undefined {
  return isNode ? process.env[name] : undefined;
}
