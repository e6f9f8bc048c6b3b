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
    readonly mistyped: { key: string; expected: string; got: string }[] = [],
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

/** How much of a value `describe` shows: nesting, items per list, characters in all. */
const DESCRIBE_DEPTH = 3;
const DESCRIBE_ITEMS = 8;
const DESCRIBE_STRING = 80;
const DESCRIBE_LENGTH = 200;

/**
 * Describes a value for an error message: shapes as [a, b], strings quoted. The value
 * may come from a hostile file (a list that contains itself, nesting 200,000 deep, a
 * DAG of 2^40 leaves), so the walk is bounded: at most 3 levels and 8 items a level
 * are shown, a value met again on its own path is `[circular]`, and the text is cut
 * at 200 characters.
 */
export function describe(value: unknown): string {
  const text = describeWithin(value, 0, []);
  return text.length > DESCRIBE_LENGTH ? `${text.slice(0, DESCRIBE_LENGTH - 3)}...` : text;
}

function describeWithin(value: unknown, depth: number, path: unknown[]): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') {
    return value.length > DESCRIBE_STRING
      ? `${JSON.stringify(value.slice(0, DESCRIBE_STRING))}... (${value.length} characters)`
      : JSON.stringify(value);
  }
  if (typeof value === 'function') return 'a function';
  if (typeof value !== 'object') return String(value);
  if (path.includes(value)) return '[circular]';
  if (Array.isArray(value)) {
    if (depth >= DESCRIBE_DEPTH) return value.length === 0 ? '[]' : '[...]';
    return `[${describeItems(value, depth, [...path, value])}]`;
  }
  try {
    const shape = (value as { shape?: unknown }).shape;
    if (Array.isArray(shape) && depth < DESCRIBE_DEPTH) {
      return `a tensor of shape [${describeItems(shape, depth, [...path, value])}]`;
    }
    return value.constructor?.name || 'an object';
  } catch {
    return 'an object';
  }
}

function describeItems(items: unknown[], depth: number, path: unknown[]): string {
  const shown = items.slice(0, DESCRIBE_ITEMS).map((item) => describeWithin(item, depth + 1, path));
  if (items.length > DESCRIBE_ITEMS) shown.push(`... (${items.length - DESCRIBE_ITEMS} more)`);
  return shown.join(', ');
}
