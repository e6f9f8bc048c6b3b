import { FormatError } from '../errors.js';

/**
 * A JSON number with its source text: the caller decides whether `1.0` or `1e3` is an
 * integer, and whether a value past 2^53 lost precision on the way to `value`.
 */
export class JsonNumber {
  constructor(
    readonly raw: string,
    readonly value: number,
  ) {}

  /** True when the literal is written as an integer and is exactly representable. */
  isSafeInteger(): boolean {
    return /^-?(0|[1-9][0-9]*)$/.test(this.raw) && Number.isSafeInteger(this.value);
  }
}

/** Objects are Maps: key order is kept and a key such as `__proto__` stays a plain key. */
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

export interface StrictJsonOptions {
  /** Nesting deeper than this is refused (the parser recurses; bound its stack). */
  maxDepth?: number;
  /** Names the document in error messages. */
  what?: string;
}

/**
 * Parses JSON strictly: duplicate keys, nesting past `maxDepth`, control characters in
 * strings and trailing garbage are FormatErrors. `JSON.parse` silently keeps the last of
 * two duplicate keys, which would let two readers of one file disagree about its content.
 */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): JsonValue {
  const maxDepth = options.maxDepth ?? 64;
  const what = options.what ?? 'JSON';
  let pos = 0;

  const fail = (message: string): never => {
    throw new FormatError(`${what}: ${message} at character ${pos}`);
  };

  const skipWhitespace = () => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
  };

  const expectLiteral = (literal: string, value: JsonValue): JsonValue => {
    if (text.startsWith(literal, pos)) {
      pos += literal.length;
      return value;
    }
    return fail(`unexpected ${describeChar(text, pos)}`);
  };

  const parseString = (): string => {
    pos++; // opening quote
    let out = '';
    let start = pos;
    while (true) {
      if (pos >= text.length) return fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(start, pos);
        pos++;
        return out;
      }
      if (c < 0x20) return fail('control character in string');
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(start, pos);
      const e = text[pos + 1];
      pos += 2;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = text.slice(pos, pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) return fail('bad \\u escape');
          out += String.fromCharCode(Number.parseInt(hex, 16));
          pos += 4;
          break;
        }
        default:
          pos -= 2;
          return fail('bad escape in string');
      }
      start = pos;
    }
  };

  const parseNumber = (): JsonNumber => {
    const match = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
    match.lastIndex = pos;
    const m = match.exec(text);
    if (!m || m[0].length === 0 || m[0] === '-') return fail('bad number');
    pos += m[0].length;
    return new JsonNumber(m[0], Number(m[0]));
  };

  const parseValue = (depth: number): JsonValue => {
    skipWhitespace();
    if (pos >= text.length) return fail('unexpected end');
    const c = text[pos];
    if (c === '{' || c === '[') {
      if (depth >= maxDepth) return fail(`nesting deeper than ${maxDepth}`);
      return c === '{' ? parseObject(depth + 1) : parseArray(depth + 1);
    }
    if (c === '"') return parseString();
    if (c === 't') return expectLiteral('true', true);
    if (c === 'f') return expectLiteral('false', false);
    if (c === 'n') return expectLiteral('null', null);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return parseNumber();
    return fail(`unexpected ${describeChar(text, pos)}`);
  };

  const parseObject = (depth: number): JsonObject => {
    pos++; // {
    const object: JsonObject = new Map();
    skipWhitespace();
    if (text[pos] === '}') {
      pos++;
      return object;
    }
    while (true) {
      skipWhitespace();
      if (text[pos] !== '"') return fail(`expected a key, got ${describeChar(text, pos)}`);
      const keyAt = pos;
      const key = parseString();
      if (object.has(key)) {
        pos = keyAt;
        return fail(`duplicate key ${JSON.stringify(key)}`);
      }
      skipWhitespace();
      if (text[pos] !== ':') return fail(`expected ':', got ${describeChar(text, pos)}`);
      pos++;
      object.set(key, parseValue(depth));
      skipWhitespace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === '}') {
        pos++;
        return object;
      }
      return fail(`expected ',' or '}', got ${describeChar(text, pos)}`);
    }
  };

  const parseArray = (depth: number): JsonValue[] => {
    pos++; // [
    const array: JsonValue[] = [];
    skipWhitespace();
    if (text[pos] === ']') {
      pos++;
      return array;
    }
    while (true) {
      array.push(parseValue(depth));
      skipWhitespace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === ']') {
        pos++;
        return array;
      }
      return fail(`expected ',' or ']', got ${describeChar(text, pos)}`);
    }
  };

  const value = parseValue(0);
  skipWhitespace();
  if (pos < text.length) fail(`unexpected ${describeChar(text, pos)} after the value`);
  return value;
}

function describeChar(text: string, pos: number): string {
  if (pos >= text.length) return 'end of text';
  return JSON.stringify(text[pos]);
}

/** Names a JSON value's type for error messages. */
export function jsonType(value: JsonValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (value instanceof JsonNumber) return `the number ${value.raw}`;
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Map) return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `the boolean ${value}`;
}
