/**
 * safetensors (https://github.com/huggingface/safetensors), read and written from the
 * format's specification:
 *
 *   8 bytes   N, the header length, unsigned 64-bit little-endian
 *   N bytes   a UTF-8 JSON object: name -> { dtype, shape, data_offsets: [begin, end] },
 *             plus an optional "__metadata__" object of string -> string
 *   rest      the data section; offsets are relative to its start
 *
 * Validation follows the reference reader: a header longer than 100 MB, one that is not
 * a JSON object starting with '{', duplicate keys, unknown dtypes, dims that are not
 * non-negative integers, a byte span that is not product(shape) * dtype size, and data
 * offsets that overlap, leave a gap or leave bytes at the end unclaimed (the reference
 * requires the tensors to cover the data section exactly; that rules out files that
 * hide a second payload) are FormatErrors. Every size is checked before anything is
 * allocated, so a corrupt file cannot make the reader allocate more than the file holds.
 */
import { ArgumentError, describe, FormatError } from '../errors.js';
import { tf } from '../tfjs.js';
import {
  type DecodedElements,
  decodeElements,
  ELEMENT_BYTES,
  type ElementKind,
  LITTLE_ENDIAN_HOST,
  MAX_TENSORS_PER_FILE,
} from './elements.js';
import { setOwn } from './own-record.js';
import {
  JsonNumber,
  type JsonObject,
  type JsonValue,
  jsonType,
  parseStrictJson,
} from './strict-json.js';

/** The reference implementation's limit on the header length. */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

const READABLE = {
  BOOL: 'bool',
  U8: 'u8',
  I8: 'i8',
  I16: 'i16',
  U16: 'u16',
  F16: 'f16',
  BF16: 'bf16',
  I32: 'i32',
  U32: 'u32',
  F32: 'f32',
  F64: 'f64',
  I64: 'i64',
  U64: 'u64',
} as const satisfies Record<string, ElementKind>;

/** Dtypes the format defines that a header may name but that tfjs has no use for. */
const UNREADABLE = { F8_E4M3: 1, F8_E5M2: 1 } as const;

export type SafetensorsDtype = keyof typeof READABLE | keyof typeof UNREADABLE;

export interface SafetensorsTensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  /** [begin, end) in bytes, relative to the start of the data section. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  tensors: Record<string, SafetensorsTensorInfo>;
  metadata: Record<string, string>;
  /** Where the data section starts in the file: 8 + the header length. */
  dataStart: number;
}

export interface SafetensorsContent {
  tensors: Record<string, tf.Tensor>;
  metadata: Record<string, string>;
}

const METADATA_KEY = '__metadata__';

function dtypeBytes(dtype: SafetensorsDtype): number {
  return dtype in READABLE
    ? ELEMENT_BYTES[READABLE[dtype as keyof typeof READABLE]]
    : UNREADABLE[dtype as keyof typeof UNREADABLE];
}

function checkBytes(bytes: unknown, fn: string): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new ArgumentError(`${fn}: expected a Uint8Array, got ${describe(bytes)}`);
  }
}

function nonNegativeInteger(value: JsonValue | undefined): number | undefined {
  if (value instanceof JsonNumber && value.isSafeInteger() && value.value >= 0) return value.value;
  return undefined;
}

function parseTensorInfo(
  name: string,
  value: JsonValue,
  dataLength: number,
): SafetensorsTensorInfo {
  const where = `safetensors: tensor ${JSON.stringify(name)}`;
  if (!(value instanceof Map))
    throw new FormatError(`${where}: expected an object, got ${jsonType(value)}`);

  const dtype = value.get('dtype');
  if (typeof dtype !== 'string') {
    throw new FormatError(`${where}: "dtype" must be a string, got ${jsonType(dtype)}`);
  }
  if (!(dtype in READABLE) && !(dtype in UNREADABLE)) {
    const known = [...Object.keys(READABLE), ...Object.keys(UNREADABLE)].join(', ');
    throw new FormatError(`${where}: unknown dtype ${JSON.stringify(dtype)} (known: ${known})`);
  }

  const shapeValue = value.get('shape');
  if (!Array.isArray(shapeValue)) {
    throw new FormatError(`${where}: "shape" must be an array, got ${jsonType(shapeValue)}`);
  }
  const shape = shapeValue.map((dim, i) => {
    const n = nonNegativeInteger(dim);
    if (n === undefined) {
      throw new FormatError(
        `${where}: dim ${i} of "shape" must be a non-negative integer, got ${jsonType(dim)}`,
      );
    }
    return n;
  });

  const offsets = value.get('data_offsets');
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    throw new FormatError(
      `${where}: "data_offsets" must be [begin, end], got ${jsonType(offsets)}`,
    );
  }
  const begin = nonNegativeInteger(offsets[0]);
  const end = nonNegativeInteger(offsets[1]);
  if (begin === undefined || end === undefined) {
    throw new FormatError(
      `${where}: "data_offsets" must be non-negative integers, got [${jsonType(offsets[0])}, ${jsonType(offsets[1])}]`,
    );
  }
  if (end < begin)
    throw new FormatError(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLength) {
    throw new FormatError(
      `${where}: data_offsets [${begin}, ${end}] run past the data section (${dataLength} bytes)`,
    );
  }

  // BigInt, stopping once past the span: exact however large the dims, and never slow.
  const span = BigInt(end - begin);
  let needed = shape.includes(0) ? 0n : BigInt(dtypeBytes(dtype as SafetensorsDtype));
  let stoppedEarly = false;
  for (const dim of shape) {
    if (needed > span) {
      stoppedEarly = true;
      break;
    }
    needed *= BigInt(dim);
  }
  if (needed !== span) {
    const size = stoppedEarly ? 'more bytes than that' : `${needed} bytes`;
    throw new FormatError(
      `${where}: shape [${shape.join(', ')}] of ${dtype} needs ${size}, but data_offsets [${begin}, ${end}] span ${span}`,
    );
  }
  return { dtype: dtype as SafetensorsDtype, shape, dataOffsets: [begin, end] };
}

function parseMetadata(value: JsonValue): Record<string, string> {
  if (!(value instanceof Map)) {
    throw new FormatError(`safetensors: "__metadata__" must be an object, got ${jsonType(value)}`);
  }
  const metadata: Record<string, string> = {};
  for (const [key, entry] of value) {
    if (typeof entry !== 'string') {
      throw new FormatError(
        `safetensors: "__metadata__" maps strings to strings, but ${JSON.stringify(key)} holds ${jsonType(entry)}`,
      );
    }
    setOwn(metadata, key, entry);
  }
  return metadata;
}

/** Checks that the tensors cover the data section exactly: no overlaps, gaps or tail. */
function checkCoverage(tensors: [string, SafetensorsTensorInfo][], dataLength: number): void {
  const sorted = [...tensors].sort(
    ([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1],
  );
  let covered = 0;
  let previous = '';
  for (const [name, info] of sorted) {
    const [begin, end] = info.dataOffsets;
    if (begin < covered) {
      throw new FormatError(
        `safetensors: tensor ${JSON.stringify(name)} (bytes [${begin}, ${end})) overlaps tensor ${JSON.stringify(previous)} (which ends at ${covered})`,
      );
    }
    if (begin > covered) {
      throw new FormatError(
        `safetensors: bytes [${covered}, ${begin}) of the data section belong to no tensor (the format allows no gaps)`,
      );
    }
    covered = end;
    previous = name;
  }
  if (covered !== dataLength) {
    throw new FormatError(
      `safetensors: the last ${dataLength - covered} bytes of the data section belong to no tensor (the format allows no trailing data)`,
    );
  }
}

/**
 * Reads and validates the header of a safetensors file without materialising any tensor.
 * Throws a FormatError that says what is wrong for any file the format does not allow.
 */
export function parseSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  checkBytes(bytes, 'parseSafetensorsHeader');
  if (bytes.length < 8) {
    throw new FormatError(
      `safetensors: the file is ${bytes.length} bytes, too short for the 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    throw new FormatError(
      `safetensors: header length ${headerLength} exceeds the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit`,
    );
  }
  if (8n + headerLength > BigInt(bytes.length)) {
    throw new FormatError(
      `safetensors: header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`,
    );
  }
  const dataStart = 8 + Number(headerLength);
  const headerBytes = bytes.subarray(8, dataStart);
  if (headerBytes[0] !== 0x7b) {
    throw new FormatError(`safetensors: the header must be a JSON object starting with '{'`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new FormatError('safetensors: the header is not valid UTF-8');
  }
  const json = parseStrictJson(text, { what: 'safetensors header', maxDepth: 8 });
  if (!(json instanceof Map)) {
    throw new FormatError(`safetensors: the header must be a JSON object, got ${jsonType(json)}`);
  }

  const dataLength = bytes.length - dataStart;
  const entries: [string, SafetensorsTensorInfo][] = [];
  let metadata: Record<string, string> = {};
  if ((json as JsonObject).size > MAX_TENSORS_PER_FILE + 1) {
    throw new FormatError(
      `safetensors: the header lists ${(json as JsonObject).size} entries, more than the ${MAX_TENSORS_PER_FILE} tensors a file may hold`,
    );
  }
  for (const [name, value] of json as JsonObject) {
    if (name === METADATA_KEY) metadata = parseMetadata(value);
    else entries.push([name, parseTensorInfo(name, value, dataLength)]);
  }
  checkCoverage(entries, dataLength);

  const tensors: Record<string, SafetensorsTensorInfo> = {};
  for (const [name, info] of entries) setOwn(tensors, name, info);
  return { tensors, metadata, dataStart };
}

export interface ReadSafetensorsOptions {
  /**
   * Bytes all tensors may take once read (16-bit floats double, 64-bit values halve).
   * Default: no limit beyond the file's own size, which bounds them to twice that.
   */
  maxBytes?: number;
}

function checkTotalBytes(header: SafetensorsHeader, maxBytes: number): void {
  let total = 0;
  const infos = Object.values(header.tensors);
  for (const info of infos) {
    const numel = info.shape.reduce((a, b) => a * b, 1);
    total += numel * (info.dtype === 'BOOL' ? 1 : 4);
  }
  if (total > maxBytes) {
    throw new FormatError(
      `safetensors: its ${infos.length} tensors would take ${total} bytes once read, more than the limit of ${maxBytes} (raise it with the maxBytes option, or ATELIER_MAX_WEIGHT_BYTES for the command line)`,
    );
  }
}

/**
 * Reads a safetensors file into tensors the caller owns (dispose them).
 * F32, F16, BF16 and F64 become float32; I32, I64, U8 and the other integer dtypes
 * int32 (a value outside the int32 range is a FormatError); BOOL becomes bool.
 * Nothing is allocated on the backend unless the whole file is valid.
 *
 * @example
 * const { tensors, metadata } = readSafetensors(new Uint8Array(await readFile('model.safetensors')));
 */
export function readSafetensors(
  bytes: Uint8Array,
  options: ReadSafetensorsOptions = {},
): SafetensorsContent {
  checkBytes(bytes, 'readSafetensors');
  const maxBytes = options?.maxBytes ?? Number.POSITIVE_INFINITY;
  if (typeof maxBytes !== 'number' || !(maxBytes >= 0)) {
    throw new ArgumentError(
      `readSafetensors: maxBytes must be a non-negative number, got ${describe(maxBytes)}`,
    );
  }
  const header = parseSafetensorsHeader(bytes);
  checkTotalBytes(header, maxBytes);
  const decoded: [string, number[], DecodedElements][] = [];
  for (const [name, info] of Object.entries(header.tensors)) {
    if (!(info.dtype in READABLE)) {
      throw new FormatError(
        `safetensors: tensor ${JSON.stringify(name)} has dtype ${info.dtype}, which cannot be read into tfjs`,
      );
    }
    const [begin, end] = info.dataOffsets;
    const raw = bytes.subarray(header.dataStart + begin, header.dataStart + end);
    const kind = READABLE[info.dtype as keyof typeof READABLE];
    decoded.push([
      name,
      info.shape,
      decodeElements(raw, kind, `safetensors: tensor ${JSON.stringify(name)}`),
    ]);
  }
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, shape, { dtype, values }] of decoded) {
    setOwn(tensors, name, tf.tensor(values, shape, dtype));
  }
  return { tensors, metadata: header.metadata };
}

const WRITTEN: Partial<Record<tf.DataType, { dtype: SafetensorsDtype; bytes: number }>> = {
  float32: { dtype: 'F32', bytes: 4 },
  int32: { dtype: 'I32', bytes: 4 },
  bool: { dtype: 'BOOL', bytes: 1 },
};

/** Orders strings by code point, which is the byte order of their UTF-8 (as Rust sorts). */
function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkName(name: string, what: string): void {
  if (LONE_SURROGATE.test(name)) {
    throw new ArgumentError(
      `writeSafetensors: ${what} ${JSON.stringify(name)} is not valid Unicode`,
    );
  }
}

/**
 * Writes tensors (float32 -> F32, int32 -> I32, bool -> BOOL) and string metadata as a
 * safetensors file. As the reference writer does, header keys are sorted, the header is
 * padded with spaces to a multiple of 8 bytes, and the data is laid out by dtype size,
 * largest first, so every tensor starts aligned to its element size.
 *
 * @example
 * const bytes = await writeSafetensors(net.stateDict(), { format: 'pt' });
 * await writeFile('model.safetensors', bytes);
 */
export async function writeSafetensors(
  tensors: Record<string, tf.Tensor>,
  metadata?: Record<string, string>,
): Promise<Uint8Array> {
  if (
    tensors === null ||
    typeof tensors !== 'object' ||
    Array.isArray(tensors) ||
    tensors instanceof tf.Tensor
  ) {
    throw new ArgumentError(
      `writeSafetensors: expected a record of name -> tensor, got ${describe(tensors)}`,
    );
  }
  const names = Object.keys(tensors).sort(byCodePoint);
  const infos = names.map((name) => {
    const tensor = tensors[name];
    checkName(name, 'tensor name');
    if (name === METADATA_KEY) {
      throw new ArgumentError(
        `writeSafetensors: "${METADATA_KEY}" is reserved and cannot name a tensor`,
      );
    }
    if (!(tensor instanceof tf.Tensor)) {
      throw new ArgumentError(
        `writeSafetensors: ${JSON.stringify(name)} is ${describe(tensor)}, not a tensor`,
      );
    }
    if (tensor.isDisposed)
      throw new ArgumentError(`writeSafetensors: tensor ${JSON.stringify(name)} is disposed`);
    const written = WRITTEN[tensor.dtype];
    if (!written) {
      throw new ArgumentError(
        `writeSafetensors: tensor ${JSON.stringify(name)} has dtype ${tensor.dtype}; only float32, int32 and bool can be written`,
      );
    }
    return { name, tensor, ...written };
  });

  const metaEntries: [string, string][] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new ArgumentError(
        `writeSafetensors: metadata must be a record of strings, got ${describe(metadata)}`,
      );
    }
    for (const key of Object.keys(metadata).sort(byCodePoint)) {
      const value = metadata[key];
      checkName(key, 'metadata key');
      if (typeof value !== 'string') {
        throw new ArgumentError(
          `writeSafetensors: metadata maps strings to strings, but ${JSON.stringify(key)} holds ${describe(value)}`,
        );
      }
      checkName(value, 'metadata value');
      metaEntries.push([key, value]);
    }
  }

  // Data order: larger elements first (alignment), then by name.
  const layout = [...infos].sort((a, b) => b.bytes - a.bytes || byCodePoint(a.name, b.name));
  const offsets = new Map<string, [number, number]>();
  let dataLength = 0;
  for (const info of layout) {
    const length = info.tensor.size * info.bytes;
    offsets.set(info.name, [dataLength, dataLength + length]);
    dataLength += length;
  }

  // Built by hand: JSON.stringify of an object would move integer-like names first.
  const parts: string[] = [];
  if (metaEntries.length > 0) {
    const body = metaEntries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',');
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${body}}`);
  }
  for (const info of infos) {
    const [begin, end] = offsets.get(info.name)!;
    parts.push(
      `${JSON.stringify(info.name)}:{"dtype":"${info.dtype}","shape":[${info.tensor.shape.join(',')}],"data_offsets":[${begin},${end}]}`,
    );
  }
  const headerText = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(headerText.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + dataLength);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(headerText, 8);
  out.fill(0x20, 8 + headerText.length, 8 + headerLength);

  const dataStart = 8 + headerLength;
  for (const info of layout) {
    const [begin] = offsets.get(info.name)!;
    const values = await info.tensor.data();
    writeElements(
      out,
      view,
      dataStart + begin,
      values as Float32Array | Int32Array | Uint8Array,
      info.dtype,
    );
  }
  return out;
}

function writeElements(
  out: Uint8Array,
  view: DataView,
  at: number,
  values: Float32Array | Int32Array | Uint8Array,
  dtype: SafetensorsDtype,
): void {
  if (dtype === 'BOOL') {
    for (let i = 0; i < values.length; i++) out[at + i] = values[i] ? 1 : 0;
    return;
  }
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
    return;
  }
  for (let i = 0; i < values.length; i++) {
    if (dtype === 'F32') view.setFloat32(at + 4 * i, values[i]!, true);
    else view.setInt32(at + 4 * i, values[i]!, true);
  }
}
