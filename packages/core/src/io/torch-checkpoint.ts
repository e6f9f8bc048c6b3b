/**
 * Reads PyTorch checkpoints without PyTorch and without running the pickle, in both
 * formats `torch.save` writes:
 * - zip (torch >= 1.6): `<prefix>/data.pkl` (the object, pickled, with tensors as
 *   persistent ids) and `<prefix>/data/<key>` (raw little-endian elements per storage);
 * - legacy (torch < 1.6, or `_use_new_zipfile_serialization=False`; pytorch/examples'
 *   pretrained fast_neural_style models among them): five pickles in a row (magic number,
 *   protocol 1001, system info, the object, the sorted storage keys), then per key an
 *   int64 element count and the raw elements.
 *
 * Only the globals a state dict needs are honoured: collections.OrderedDict,
 * torch._utils._rebuild_tensor_v2 (and _rebuild_tensor of torch < 0.4),
 * torch._utils._rebuild_parameter and the
 * torch.*Storage types. Anything else (os.system, builtins.eval,
 * torch.storage._load_from_bytes, a TorchScript class, argparse.Namespace in a
 * training checkpoint) is a FormatError naming the global, the same files PyTorch's
 * own `weights_only=True` refuses.
 *
 * Result keys: nested dicts, lists and tuples are flattened with dots, so
 * `{'state_dict': {'0.weight': w}, 'epoch': 3}` gives `{'state_dict.0.weight': w}`;
 * leaves that are not tensors (numbers, strings, None) are dropped. A checkpoint that
 * is a bare tensor gives it under the key ''.
 *
 * Tensors: views (storage offset and strides: slices, transposes, expands) are
 * materialised contiguous, and views sharing one storage each get their own tensor;
 * all of them together may take at most `maxBytes` (default 2 GiB), checked before
 * any is materialised.
 * float16, bfloat16 and float64 become float32; int64 (and int16, int8, uint8) int32,
 * an int64 outside the int32 range being a FormatError; bool stays bool.
 */
import { ArgumentError, describe, FormatError } from '../errors.js';
import { tf } from '../tfjs.js';
import {
  type DecodedElements,
  decodeElements,
  ELEMENT_BYTES,
  type ElementKind,
  MAX_TENSORS_PER_FILE,
} from './elements.js';
import { setOwn } from './own-record.js';
import { type PickleHooks, unpickle, unpickleFrom } from './pickle.js';
import { ZipArchive } from './zip.js';

const STORAGE_KINDS: Record<string, ElementKind> = {
  FloatStorage: 'f32',
  DoubleStorage: 'f64',
  HalfStorage: 'f16',
  BFloat16Storage: 'bf16',
  LongStorage: 'i64',
  IntStorage: 'i32',
  ShortStorage: 'i16',
  CharStorage: 'i8',
  ByteStorage: 'u8',
  BoolStorage: 'bool',
};

/** An expanded view (stride 0) may hold more elements than its storage, up to this. */
export const TORCH_MAX_EXPANDED_ELEMENTS = 2 ** 24;
/**
 * Default bound on the bytes of all tensors a checkpoint materialises together (2 GiB:
 * VGG19's 548 MB fit several times). Views of one storage each become their own
 * tensor, so a small file of stride-0 views could otherwise ask for many gigabytes.
 */
export const TORCH_MAX_TOTAL_BYTES = 2 ** 31;

export interface ReadTorchCheckpointOptions {
  /** Bytes all tensors may take once materialised (default TORCH_MAX_TOTAL_BYTES). */
  maxBytes?: number;
}
/** Flattening stops at this nesting depth and after visiting this many values. */
const MAX_DEPTH = 64;
const MAX_VISITS = 1_000_000;

class AllowedGlobal {
  constructor(readonly qualifiedName: string) {}
}
const ORDERED_DICT = new AllowedGlobal('collections.OrderedDict');
const REBUILD_TENSOR = new AllowedGlobal('torch._utils._rebuild_tensor_v2');
const REBUILD_TENSOR_V1 = new AllowedGlobal('torch._utils._rebuild_tensor');
const REBUILD_PARAMETER = new AllowedGlobal('torch._utils._rebuild_parameter');

class StorageType {
  constructor(
    readonly name: string,
    readonly kind: ElementKind,
  ) {}
}

class Storage {
  private decoded: DecodedElements | undefined;
  constructor(
    readonly key: string,
    readonly kind: ElementKind,
    /** Unset until a legacy file's data section is read. */
    private bytes: Uint8Array | undefined,
  ) {}

  /** Gives a legacy storage its bytes. */
  attach(bytes: Uint8Array): void {
    this.bytes = bytes;
  }

  get attached(): boolean {
    return this.bytes !== undefined;
  }

  get numel(): number {
    return this.bytes!.length / ELEMENT_BYTES[this.kind];
  }

  elements(what: string): DecodedElements {
    this.decoded ??= decodeElements(this.bytes!, this.kind, what);
    return this.decoded;
  }
}

class TensorRef {
  constructor(
    readonly storage: Storage,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}

const fail = (message: string): never => {
  throw new FormatError(`torch checkpoint: ${message}`);
};

/** `module.name` as written, or quoted when the file put line breaks or odd bytes in it. */
function globalName(module: string, name: string): string {
  const text = `${module}.${name}`;
  return /^[\x21-\x7e]{1,200}$/.test(text) ? text : describe(text);
}

function isSafeCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function counts(value: unknown, what: string): number[] {
  if (!Array.isArray(value) || !value.every(isSafeCount)) {
    return fail(`${what} must be a tuple of non-negative integers, got ${describe(value)}`);
  }
  return value as number[];
}

function findDataPickle(zip: ZipArchive): string {
  const candidates = [...zip.entries.keys()].filter(
    (name) => name === 'data.pkl' || (name.endsWith('/data.pkl') && name.split('/').length === 2),
  );
  if (candidates.length === 0) {
    const some = [...zip.entries.keys()].slice(0, 5).map((n) => JSON.stringify(n));
    return fail(`no <prefix>/data.pkl in the archive (entries: ${some.join(', ') || 'none'})`);
  }
  if (candidates.length > 1) return fail(`several data.pkl entries: ${candidates.join(', ')}`);
  return candidates[0]!;
}

/** Where a storage's bytes come from: a zip entry now, or a legacy data section later. */
type StorageBytes = (key: string, type: StorageType) => Uint8Array | undefined;

function checkpointHooks(storages: Map<string, Storage>, bytesOf: StorageBytes): PickleHooks {
  return {
    findClass(module, name) {
      if (module === 'collections' && name === 'OrderedDict') return ORDERED_DICT;
      if (module === 'torch._utils' && name === '_rebuild_tensor_v2') return REBUILD_TENSOR;
      if (module === 'torch._utils' && name === '_rebuild_tensor') return REBUILD_TENSOR_V1;
      if (module === 'torch._utils' && name === '_rebuild_parameter') return REBUILD_PARAMETER;
      const kind = module === 'torch' ? STORAGE_KINDS[name] : undefined;
      if (kind) return new StorageType(name, kind);
      const hint = module.startsWith('__torch__')
        ? ' (a TorchScript archive: save model.state_dict() with torch.save instead)'
        : '';
      return fail(
        `the pickle refers to the global ${globalName(module, name)}, which is not allowed: only the globals of a state dict are read, and loading this file in PyTorch could run code${hint}`,
      );
    },

    call(callable, args) {
      if (callable === ORDERED_DICT) {
        const map = new Map();
        const items = args[0];
        if (args.length > 1 || (items !== undefined && !Array.isArray(items))) {
          fail('OrderedDict called with unexpected arguments');
        }
        for (const pair of (items ?? []) as unknown[]) {
          if (!Array.isArray(pair) || pair.length !== 2) fail('OrderedDict items must be pairs');
          map.set((pair as unknown[])[0], (pair as unknown[])[1]);
        }
        return map;
      }
      if (callable === REBUILD_TENSOR || callable === REBUILD_TENSOR_V1) {
        // v2: (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        // v1 (torch < 0.4): (storage, storage_offset, size, stride)
        if (callable === REBUILD_TENSOR_V1 && args.length !== 4)
          fail(`_rebuild_tensor takes 4 arguments, got ${args.length}`);
        if (args.length < 4 || args.length > 7)
          fail(`_rebuild_tensor_v2 takes 6 or 7 arguments, got ${args.length}`);
        const [storage, offset, size, stride] = args;
        if (!(storage instanceof Storage)) return fail('_rebuild_tensor_v2 without a storage');
        if (!isSafeCount(offset))
          return fail(`storage offset ${describe(offset)} is not a non-negative integer`);
        const sizes = counts(size, 'a tensor size');
        const strides = counts(stride, 'a tensor stride');
        if (sizes.length !== strides.length) {
          fail(`size [${sizes.join(', ')}] and stride [${strides.join(', ')}] differ in rank`);
        }
        return new TensorRef(storage, offset, sizes, strides);
      }
      if (callable === REBUILD_PARAMETER) {
        if (!(args[0] instanceof TensorRef)) fail('_rebuild_parameter without a tensor');
        return args[0];
      }
      const name = callable instanceof AllowedGlobal ? callable.qualifiedName : describe(callable);
      return fail(
        `cannot call ${callable instanceof StorageType ? `torch.${callable.name}` : name}`,
      );
    },

    persistentLoad(pid) {
      // ('storage', storage_type, key, location, numel), legacy files adding view_metadata
      if (!Array.isArray(pid) || (pid.length !== 5 && pid.length !== 6) || pid[0] !== 'storage') {
        return fail(`unknown persistent id ${describe(pid)}`);
      }
      const [, type, key, , , view] = pid as unknown[];
      if (!(type instanceof StorageType)) return fail('a storage without a storage type');
      if (typeof key !== 'string' || key.length === 0 || key.includes('/')) {
        return fail(`bad storage key ${describe(key)}`);
      }
      if (view !== undefined && view !== null) {
        fail(
          `storage ${JSON.stringify(key)} is a storage view (torch < 0.4), which is not read: re-save the file with a newer torch`,
        );
      }
      const known = storages.get(key);
      if (known) {
        if (known.kind !== type.kind) fail(`storage ${JSON.stringify(key)} is read as two types`);
        return known;
      }
      const bytes = bytesOf(key, type);
      if (bytes && bytes.length % ELEMENT_BYTES[type.kind] !== 0) {
        fail(
          `storage ${JSON.stringify(key)} (${bytes.length} bytes) is not a whole number of ${type.name} elements`,
        );
      }
      const storage = new Storage(key, type.kind, bytes);
      storages.set(key, storage);
      return storage;
    },

    build(target, _state) {
      // A state dict's OrderedDict carries `_metadata` (module versions): not needed.
      if (target instanceof Map) return target;
      return fail(`cannot apply state to ${describe(target)}`);
    },
  };
}

function unpickleZip(zip: ZipArchive, prefix: string, pickle: Uint8Array): unknown {
  const bytesOf: StorageBytes = (key) => {
    const path = `${prefix}data/${key}`;
    if (!zip.entries.has(path))
      fail(`storage ${JSON.stringify(key)} has no file ${JSON.stringify(path)}`);
    return zip.read(path);
  };
  return unpickle(pickle, checkpointHooks(new Map(), bytesOf), 'torch checkpoint: data.pkl');
}

/** torch.serialization's MAGIC_NUMBER and PROTOCOL_VERSION of the legacy format. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/** The header pickles hold plain values only. */
const PLAIN_HOOKS: PickleHooks = {
  findClass: (module, name) =>
    fail(`a legacy header refers to the global ${globalName(module, name)}`),
  call: () => fail('a legacy header calls a function'),
  persistentLoad: () => fail('a legacy header holds a persistent id'),
  build: () => fail('a legacy header builds an object'),
};

function unpickleLegacy(bytes: Uint8Array): unknown {
  let at = 0;
  const next = (what: string, hooks = PLAIN_HOOKS): unknown => {
    const { value, end } = unpickleFrom(bytes, at, hooks, `torch checkpoint (legacy): ${what}`);
    at = end;
    return value;
  };
  const magic = next('magic number');
  if (magic !== LEGACY_MAGIC) {
    fail(
      'a bare pickle, not a torch.save file: torch writes a zip archive, or (before torch 1.6) its magic number first',
    );
  }
  const protocol = next('protocol version');
  if (protocol !== LEGACY_PROTOCOL) {
    fail(`legacy protocol version ${describe(protocol)}, expected ${LEGACY_PROTOCOL}`);
  }
  const info = next('system info');
  if (!(info instanceof Map) || info.get('little_endian') !== true) {
    fail('only little-endian checkpoints are read (system info says otherwise or is missing)');
  }
  const storages = new Map<string, Storage>();
  const root = next(
    'the object',
    checkpointHooks(storages, () => undefined),
  );
  const keys = next('storage keys');
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
    fail(`the storage keys must be a list of strings, got ${describe(keys)}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys as string[]) {
    const storage = storages.get(key);
    if (!storage) fail(`storage ${JSON.stringify(key)} has data but no tensor refers to it`);
    if (storage!.attached) fail(`storage ${JSON.stringify(key)} is listed twice`);
    if (at + 8 > bytes.length)
      fail(`storage ${JSON.stringify(key)}: the file ends before its size`);
    const numel = view.getBigInt64(at, true);
    const size = BigInt(ELEMENT_BYTES[storage!.kind]) * numel;
    if (numel < 0n || BigInt(at + 8) + size > BigInt(bytes.length)) {
      fail(`storage ${JSON.stringify(key)} of ${numel} elements runs past the end of the file`);
    }
    at += 8;
    storage!.attach(bytes.subarray(at, at + Number(size)));
    at += Number(size);
  }
  for (const [key, storage] of storages) {
    if (!storage.attached) fail(`storage ${JSON.stringify(key)} has no data in the file`);
  }
  return root;
}

function keyText(key: unknown): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'bigint') return String(key);
  if (typeof key === 'boolean') return key ? 'True' : 'False';
  if (key === null) return 'None';
  return fail(`a dict key ${describe(key)} cannot name a tensor`);
}

/** Every tensor under `root`, with its dotted path. */
function collectTensors(root: unknown): [string, TensorRef][] {
  const found: [string, TensorRef][] = [];
  let visits = 0;
  const visit = (value: unknown, path: string, depth: number) => {
    if (++visits > MAX_VISITS) fail(`more than ${MAX_VISITS} values to flatten`);
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    const child = (key: string) => (path === '' ? key : `${path}.${key}`);
    if (value instanceof TensorRef) found.push([path, value]);
    else if (value instanceof Map) {
      for (const [k, v] of value) visit(v, child(keyText(k)), depth + 1);
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) visit(value[i], child(String(i)), depth + 1);
    }
  };
  visit(root, '', 0);
  return found;
}

type Values = Float32Array | Int32Array | Uint8Array;

function checkMaxBytes(options: ReadTorchCheckpointOptions): number {
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(
      `readTorchCheckpoint: options must be an object, got ${describe(options)}`,
    );
  }
  const maxBytes = options.maxBytes ?? TORCH_MAX_TOTAL_BYTES;
  if (typeof maxBytes !== 'number' || !(maxBytes >= 0)) {
    throw new ArgumentError(
      `readTorchCheckpoint: maxBytes must be a non-negative number, got ${describe(maxBytes)}`,
    );
  }
  return maxBytes;
}

/** A view may hold as many elements as its storage, or TORCH_MAX_EXPANDED_ELEMENTS if more. */
function checkElements(ref: TensorRef, numel: bigint, name: string): void {
  const limit = BigInt(Math.max(ref.storage.numel, TORCH_MAX_EXPANDED_ELEMENTS));
  if (numel > limit) {
    fail(
      `tensor ${JSON.stringify(name)} has ${numel} elements, more than its storage (${ref.storage.numel}) or ${limit} allows`,
    );
  }
}

/** Refuses a checkpoint whose tensors, each materialised, would take more than `maxBytes`. */
function checkTotalBytes(found: [string, TensorRef][], maxBytes: number): void {
  let total = 0n;
  for (const [name, ref] of found) {
    let numel = 1n;
    for (const dim of ref.size) numel *= BigInt(dim);
    checkElements(ref, numel, name);
    total += numel * BigInt(ref.storage.kind === 'bool' ? 1 : 4);
  }
  if (total > BigInt(Math.floor(Math.min(maxBytes, Number.MAX_SAFE_INTEGER)))) {
    fail(
      `its ${found.length} tensors would take ${total} bytes once materialised, more than the limit of ${maxBytes} (raise it with the maxBytes option, or ATELIER_MAX_WEIGHT_BYTES for the command line)`,
    );
  }
}

/** The elements of a (possibly strided) view, contiguous in row-major order. */
function materialise(
  ref: TensorRef,
  name: string,
): { values: Values; dtype: DecodedElements['dtype'] } {
  const { storage, offset, size, stride } = ref;
  const what = `tensor ${JSON.stringify(name)}`;
  let numel = 1n;
  for (const dim of size) numel *= BigInt(dim);
  checkElements(ref, numel, name);
  const n = Number(numel);
  if (n > 0) {
    let last = BigInt(offset);
    size.forEach((dim, d) => {
      last += BigInt(dim - 1) * BigInt(stride[d]!);
    });
    if (last >= BigInt(storage.numel)) {
      fail(
        `${what} (offset ${offset}, size [${size.join(', ')}], stride [${stride.join(', ')}]) reaches element ${last} of a ${storage.numel}-element storage`,
      );
    }
  }
  const { values: all, dtype } = storage.elements(
    `torch checkpoint: ${what} (storage ${JSON.stringify(storage.key)})`,
  );
  if (n === 0) return { values: all.slice(0, 0), dtype };

  let contiguous = true;
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d]! !== 1 && stride[d]! !== expected) contiguous = false;
    expected *= size[d]!;
  }
  if (contiguous) return { values: all.slice(offset, offset + n), dtype };

  const out = new (all.constructor as new (n: number) => Values)(n);
  const rank = size.length;
  const index = new Array<number>(rank).fill(0);
  let source = offset;
  for (let i = 0; i < n; i++) {
    out[i] = all[source]!;
    for (let d = rank - 1; d >= 0; d--) {
      source += stride[d]!;
      if (++index[d]! < size[d]!) break;
      source -= stride[d]! * size[d]!;
      index[d] = 0;
    }
  }
  return { values: out, dtype };
}

/**
 * Reads a PyTorch checkpoint into tensors the caller owns (dispose them), keyed as
 * described above. Corrupt archives, disallowed globals and values tfjs cannot hold
 * are FormatErrors; nothing is allocated on the backend unless the whole file reads.
 */
export function readTorchCheckpoint(
  bytes: Uint8Array,
  options: ReadTorchCheckpointOptions = {},
): Record<string, tf.Tensor> {
  if (!(bytes instanceof Uint8Array)) {
    throw new ArgumentError(`readTorchCheckpoint: expected a Uint8Array, got ${describe(bytes)}`);
  }
  const maxBytes = checkMaxBytes(options);
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b;
  let root: unknown;
  if (isZip) {
    const zip = new ZipArchive(bytes, 'torch checkpoint');
    const pickleName = findDataPickle(zip);
    const prefix = pickleName.slice(0, pickleName.length - 'data.pkl'.length);
    const byteOrderName = `${prefix}byteorder`;
    if (zip.entries.has(byteOrderName)) {
      const order = new TextDecoder().decode(zip.read(byteOrderName)).trim();
      if (order !== 'little')
        fail(`byte order ${JSON.stringify(order)}: only little-endian checkpoints are read`);
    }
    root = unpickleZip(zip, prefix, zip.read(pickleName));
  } else if (bytes.length > 1 && bytes[0] === 0x80 && bytes[1]! <= 5) {
    root = unpickleLegacy(bytes);
  } else {
    fail('neither a zip archive (torch >= 1.6) nor a legacy torch.save file (a pickle)');
  }

  const found = collectTensors(root);
  if (found.length > MAX_TENSORS_PER_FILE) {
    fail(`${found.length} tensors, more than the ${MAX_TENSORS_PER_FILE} a file may hold`);
  }
  checkTotalBytes(found, maxBytes);
  const seen = new Set<string>();
  const decoded = new Map<TensorRef, ReturnType<typeof materialise>>();
  const ready: [string, number[], ReturnType<typeof materialise>][] = [];
  for (const [name, ref] of found) {
    if (seen.has(name)) fail(`two tensors flatten to the key ${JSON.stringify(name)}`);
    seen.add(name);
    let elements = decoded.get(ref);
    if (!elements) {
      elements = materialise(ref, name);
      decoded.set(ref, elements);
    }
    ready.push([name, ref.size, elements]);
  }

  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, shape, { values, dtype }] of ready)
    setOwn(tensors, name, tf.tensor(values, shape, dtype));
  return tensors;
}
