/**
 * A safe, minimal unpickler: the opcodes of protocols 2 to 5 that data (dicts, lists,
 * tuples, numbers, strings, bytes) and PyTorch state dicts use. It executes nothing:
 * GLOBAL/STACK_GLOBAL go to `hooks.findClass`, which answers only for the globals its
 * caller allows and throws for any other; REDUCE, BUILD and BINPERSID go to hooks too.
 * Opcodes that build arbitrary objects (INST, OBJ, NEWOBJ, NEWOBJ_EX, EXT*) and the
 * text-mode opcodes of protocol 0 are FormatErrors.
 *
 * Python values become: None -> null, bool -> boolean, int -> number (bigint past
 * 2^53), float -> number, str -> string, bytes -> Uint8Array, list -> array,
 * tuple -> frozen array, dict -> Map.
 */
import { FormatError } from '../errors.js';

export interface PickleHooks {
  /** Resolves a global, or throws a FormatError naming it when it is not allowed. */
  findClass(module: string, name: string): unknown;
  /** REDUCE: `callable(...args)` for a value `findClass` returned. */
  call(callable: unknown, args: readonly unknown[]): unknown;
  /** BINPERSID: the object a persistent id stands for. */
  persistentLoad(pid: unknown): unknown;
  /** BUILD: applies `state` to `target`; returns the result. */
  build(target: unknown, state: unknown): unknown;
}

const NAMES: Record<number, string> = {
  73: 'INT',
  76: 'LONG',
  83: 'STRING',
  86: 'UNICODE',
  70: 'FLOAT',
  80: 'PERSID',
  103: 'GET',
  112: 'PUT',
  105: 'INST',
  111: 'OBJ',
  129: 'NEWOBJ',
  146: 'NEWOBJ_EX',
  130: 'EXT1',
  131: 'EXT2',
  132: 'EXT4',
  143: 'EMPTY_SET',
  144: 'ADDITEMS',
  145: 'FROZENSET',
  150: 'BYTEARRAY8',
  151: 'NEXT_BUFFER',
  152: 'READONLY_BUFFER',
};

/**
 * Bounds on the work one pickle may ask for. Every opcode reads at least one byte, so
 * the work is linear in the input; these bound it further, and bound the shape of what
 * is built, so that a hostile pickle fails here with a FormatError rather than in
 * whatever walks the result. A state dict of thousands of tensors stays far below each.
 */
export interface PickleLimits {
  /** Opcodes executed. */
  maxOps: number;
  /** Values on the stack (one MARK frame) and open MARKs. */
  maxStack: number;
  /** Memo entries. */
  maxMemo: number;
  /** Items placed into lists, tuples and dicts, in all. */
  maxItems: number;
  /** Nesting of lists, tuples and dicts, as built; a container holding itself is refused. */
  maxDepth: number;
}

export const PICKLE_LIMITS: Readonly<PickleLimits> = {
  maxOps: 20_000_000,
  maxStack: 1_000_000,
  maxMemo: 1_000_000,
  maxItems: 10_000_000,
  maxDepth: 200,
};

/** Longest string or bytes value taken (V8 cannot hold a string much longer). */
const MAX_STRING_BYTES = 2 ** 28;
/** Longest LONG1/LONG4 integer taken, in bytes: no checkpoint needs more. */
const MAX_LONG_BYTES = 1024;
/** Longest module or name line of a GLOBAL. */
const MAX_GLOBAL_LINE = 1024;

/** Bytes as code points 0-255, in chunks (a spread of a long array overflows the stack). */
function latin1String(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    out += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return out;
}

export function unpickle(
  bytes: Uint8Array,
  hooks: PickleHooks,
  what = 'pickle',
  limits: Partial<PickleLimits> = {},
): unknown {
  return unpickleFrom(bytes, 0, hooks, what, limits).value;
}

/**
 * Reads one pickle starting at byte `start` of `bytes` (files such as torch's legacy
 * format hold several in a row); `end` is the byte after its STOP.
 */
export function unpickleFrom(
  bytes: Uint8Array,
  start: number,
  hooks: PickleHooks,
  what = 'pickle',
  limits: Partial<PickleLimits> = {},
): { value: unknown; end: number } {
  const { maxOps, maxStack, maxMemo, maxItems, maxDepth } = { ...PICKLE_LIMITS, ...limits };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const memo = new Map<number, unknown>();
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  let pos = start;
  let opAt = start;
  let ops = 0;
  let placed = 0;
  /** Nesting of each list, tuple and dict built (absent: a leaf, depth 0). */
  const depths = new WeakMap<object, number>();

  const fail = (message: string): never => {
    throw new FormatError(`${what}: ${message} (at byte ${opAt})`);
  };
  const need = (n: number) => {
    if (n < 0 || pos + n > bytes.length) fail('truncated');
  };
  const u8 = () => {
    need(1);
    return bytes[pos++]!;
  };
  const u16 = () => {
    need(2);
    pos += 2;
    return view.getUint16(pos - 2, true);
  };
  const u32 = () => {
    need(4);
    pos += 4;
    return view.getUint32(pos - 4, true);
  };
  const i32 = () => {
    need(4);
    pos += 4;
    return view.getInt32(pos - 4, true);
  };
  const u64 = () => {
    need(8);
    pos += 8;
    const value = view.getBigUint64(pos - 8, true);
    if (value > BigInt(bytes.length)) fail('a length past the end of the data');
    return Number(value);
  };
  const take = (n: number) => {
    need(n);
    if (n > MAX_STRING_BYTES) fail(`a string or bytes value of ${n} bytes`);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const text = (n: number) => {
    const raw = take(n);
    try {
      return utf8.decode(raw);
    } catch {
      return fail('a string that is not UTF-8');
    }
  };
  const latin1 = (n: number) => latin1String(take(n));
  const line = () => {
    // Searched within the longest line allowed: a scan to the end per GLOBAL is quadratic.
    const found = bytes.subarray(pos, pos + MAX_GLOBAL_LINE + 1).indexOf(0x0a);
    if (found < 0 && pos + MAX_GLOBAL_LINE + 1 > bytes.length) fail('truncated');
    const end = found < 0 ? pos + MAX_GLOBAL_LINE + 1 : pos + found;
    if (end - pos > MAX_GLOBAL_LINE) fail(`a GLOBAL name longer than ${MAX_GLOBAL_LINE} bytes`);
    const s = latin1String(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0) fail('stack underflow');
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const items = stack;
    const previous = marks.pop();
    if (!previous) return fail('no MARK to pop to');
    stack = previous;
    return items;
  };
  const depthOf = (value: unknown): number =>
    typeof value === 'object' && value !== null ? (depths.get(value) ?? 0) : 0;
  /** Records that `target` holds `added` more values, the deepest at `deepest`. */
  const grow = (target: object, added: number, deepest: number) => {
    placed += added;
    if (placed > maxItems) fail(`more than ${maxItems} items in lists, tuples and dicts`);
    const depth = Math.max(depthOf(target), deepest + 1);
    if (depth > maxDepth) fail(`lists, tuples or dicts nested deeper than ${maxDepth}`);
    depths.set(target, depth);
  };
  const deepestOf = (target: object, values: unknown[]) => {
    let deepest = 0;
    for (const value of values) {
      if (value === target) fail('a list or dict that contains itself');
      deepest = Math.max(deepest, depthOf(value));
    }
    return deepest;
  };
  const fill = (target: object, values: unknown[]) => {
    grow(target, values.length, deepestOf(target, values));
  };
  const remember = (index: number, value: unknown) => {
    if (!memo.has(index) && memo.size >= maxMemo) fail(`more than ${maxMemo} memo entries`);
    memo.set(index, value);
  };
  /** A hook's result nests as deep as the arguments it was made from. */
  const fromHook = (result: unknown, from: unknown[]) => {
    if (typeof result === 'object' && result !== null && !depths.has(result)) {
      const depth = deepestOf(result, from);
      if (depth > 0) depths.set(result, depth);
    }
    return result;
  };
  const long = (n: number) => {
    if (n > MAX_LONG_BYTES) fail(`an integer of ${n} bytes`);
    const raw = take(n);
    if (n === 0) return 0;
    let value = 0n;
    for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]!);
    if (raw[n - 1]! & 0x80) value -= 1n << BigInt(8 * n);
    return toNumber(value);
  };
  const list = (value: unknown, op: string): unknown[] => {
    if (!Array.isArray(value) || Object.isFrozen(value))
      fail(`${op} on something that is not a list`);
    return value as unknown[];
  };
  const dict = (value: unknown, op: string): Map<unknown, unknown> => {
    if (!(value instanceof Map)) fail(`${op} on something that is not a dict`);
    return value as Map<unknown, unknown>;
  };
  const tuple = (values: unknown[]) => {
    if (values.length > 0) fill(values, values);
    return Object.freeze(values);
  };
  const setItems = (target: Map<unknown, unknown>, values: unknown[]) => {
    if (values.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    fill(target, values);
    for (let i = 0; i < values.length; i += 2) target.set(dictKey(values[i]), values[i + 1]);
  };
  const dictKey = (key: unknown): unknown => {
    if (key === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof key)) return key;
    if (Array.isArray(key)) return key; // tuples: kept, compared by identity
    return fail('a dict key that is not a str, int, bool, None or tuple');
  };

  while (true) {
    opAt = pos;
    if (pos >= bytes.length) fail('ended without STOP');
    if (++ops > maxOps) fail(`more than ${maxOps} opcodes`);
    if (stack.length >= maxStack) fail(`more than ${maxStack} values on the stack`);
    const op = bytes[pos++]!;
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('pickle protocol above 5');
        break;
      case 0x95: // FRAME: a hint for buffered readers
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length !== 0) fail('STOP with a malformed stack');
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        if (marks.length >= maxStack) fail(`more than ${maxStack} open MARKs`);
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: // LONG1
        stack.push(long(u8()));
        break;
      case 0x8b: // LONG4
        stack.push(long(u32()));
        break;
      case 0x47: // BINFLOAT, big-endian
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(latin1(i32()));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(tuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(tuple([pop(), b, c]));
        break;
      }
      case 0x74: {
        // TUPLE. (popMark swaps `stack`: call it before reading `stack`.)
        const items = popMark();
        stack.push(tuple(items));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: {
        // LIST
        const values = popMark();
        fill(values, values);
        stack.push(values);
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        const target = list(top(), 'APPEND');
        fill(target, [item]);
        target.push(item);
        break;
      }
      case 0x65: {
        // APPENDS
        const values = popMark();
        const target = list(top(), 'APPENDS');
        fill(target, values);
        for (const item of values) target.push(item);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const target = new Map();
        setItems(target, popMark());
        stack.push(target);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        const target = dict(top(), 'SETITEM');
        fill(target, [key, value]);
        target.set(dictKey(key), value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(dict(top(), 'SETITEMS'), items);
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(hooks.findClass(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          fail('STACK_GLOBAL without two strings');
        stack.push(hooks.findClass(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        if (!Array.isArray(args)) fail('REDUCE without an argument tuple');
        stack.push(fromHook(hooks.call(callable, args as unknown[]), [args]));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const target = pop();
        stack.push(fromHook(hooks.build(target, state), [target, state]));
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        stack.push(fromHook(hooks.persistentLoad(pid), [pid]));
        break;
      }
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const index = op === 0x68 ? u8() : u32();
        if (!memo.has(index)) fail(`memo entry ${index} is read before it is written`);
        stack.push(memo.get(index));
        break;
      }
      case 0x71: // BINPUT
        remember(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        remember(u32(), top());
        break;
      case 0x94: // MEMOIZE
        remember(memo.size, top());
        break;
      default: {
        const name = NAMES[op];
        fail(
          name
            ? `opcode ${name} is not allowed`
            : `unknown opcode 0x${op.toString(16).padStart(2, '0')}`,
        );
      }
    }
  }
}

function toNumber(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}
