/** Base class of every error Atelier throws on purpose. */
export class AtelierError extends Error {
  override name = 'AtelierError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A tensor of the wrong rank, shape, channel count or value range. */
export class ShapeError extends AtelierError {
  override name = 'ShapeError';
}

/** A state dict that does not fit a module: missing, unexpected or mismatched keys. */
export class StateDictError extends AtelierError {
  override name = 'StateDictError';
  constructor(
    message: string,
    readonly missing: string[] = [],
    readonly unexpected: string[] = [],
    readonly mismatched: { key: string; expected: number[]; got: number[] }[] = [],
  ) {
    super(message);
  }
}

/** Bytes that are not what they claim to be: a corrupt file, header or checkpoint. */
export class FormatError extends AtelierError {
  override name = 'FormatError';
}

/** A backend that could not be initialised, with the underlying error as `cause`. */
export class BackendError extends AtelierError {
  override name = 'BackendError';
}

/** An argument of the wrong type or outside its allowed values. */
export class ArgumentError extends AtelierError {
  override name = 'ArgumentError';
}

/** Describes a value for an error message: shapes as [a, b], strings quoted. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') {
    const shape = (value as { shape?: unknown }).shape;
    if (Array.isArray(shape)) return `a tensor of shape [${shape.join(', ')}]`;
    return value.constructor?.name ?? 'an object';
  }
  return String(value);
}
