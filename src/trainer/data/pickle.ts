/**
 * A deliberately small pickle reader: only what torchvision's CIFAR files (`cifar-10-batches-py/`,
 * `cifar-100-python/`) contain. They are protocol-2 pickles of a dict of strings, lists of ints and one
 * uint8 numpy array, written by Python 2 (strings as BINSTRING) or re-pickled by Python 3 (bytes through
 * `_codecs.encode`).
 *
 * Pickle is a program for a stack machine whose GLOBAL/REDUCE opcodes call any importable Python function
 * (`os.system` included). Nothing here executes anything: the opcodes build plain values, and GLOBAL is
 * resolved against an allowlist of the five names numpy and Python emit for these files, each mapped to a
 * JavaScript stand-in that only builds data. Any other opcode, global or protocol is refused with one line
 * naming the file, the opcode and the byte offset.
 */

/** A numpy array as pickled by numpy (`_reconstruct` + BUILD): raw bytes plus their dtype and shape. */
export interface NdArray {
  kind: 'ndarray';
  shape: number[];
  /** numpy's dtype string without byte order, e.g. 'u1', 'i8'. */
  dtype: string;
  fortranOrder: boolean;
  data: Uint8Array;
}

/** A numpy dtype as pickled: `numpy.dtype('u1', False, True)` then BUILD with its byte order. */
interface DType {
  kind: 'dtype';
  code: string;
  byteOrder: string;
}

/** A callable the allowlist hands out for GLOBAL; REDUCE calls it with the argument tuple. */
interface AllowedGlobal {
  kind: 'global';
  name: string;
  call: (args: PickleValue[]) => PickleValue;
}

/** The `numpy.ndarray` class itself, only ever passed to `_reconstruct`. */
interface ClassMarker {
  kind: 'class';
  name: string;
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Tuple
  | Map<string | number, PickleValue>
  | NdArray
  | DType
  | AllowedGlobal
  | ClassMarker;

/** Python tuples, kept apart from lists only so their printed form is right; both are arrays. */
class Tuple extends Array<PickleValue> {}

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

/** Thrown for anything the reader refuses or cannot parse; the message is one line. */
export class PickleError extends Error {}

const isNd = (v: unknown): v is NdArray => typeof v === 'object' && v !== null && (v as NdArray).kind === 'ndarray';
const isDType = (v: unknown): v is DType => typeof v === 'object' && v !== null && (v as DType).kind === 'dtype';

function reconstruct(args: PickleValue[]): PickleValue {
  const [cls] = args;
  if (!(typeof cls === 'object' && cls !== null && (cls as ClassMarker).kind === 'class' && (cls as ClassMarker).name === 'numpy.ndarray')) {
    throw new PickleError('numpy _reconstruct called for something other than numpy.ndarray');
  }
  return { kind: 'ndarray', shape: [0], dtype: 'u1', fortranOrder: false, data: new Uint8Array(0) };
}

function makeDType(args: PickleValue[]): PickleValue {
  const code = asText(args[0]);
  if (code === undefined || !/^[a-zA-Z]\d*$/.test(code)) throw new PickleError(`numpy.dtype of unsupported type ${JSON.stringify(args[0])}`);
  return { kind: 'dtype', code, byteOrder: '|' };
}

function codecsEncode(args: PickleValue[]): PickleValue {
  const [text, encoding] = args;
  if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) {
    throw new PickleError('_codecs.encode with anything but (str, "latin1")');
  }
  return Buffer.from(text, 'latin1');
}

/** Every global these files may name, and the data-only stand-in it becomes. Nothing else is importable. */
const ALLOWED_GLOBALS: ReadonlyMap<string, () => AllowedGlobal | ClassMarker> = new Map<string, () => AllowedGlobal | ClassMarker>([
  // numpy 1.x writes numpy.core, numpy 2.x numpy._core.
  ['numpy.core.multiarray._reconstruct', () => ({ kind: 'global', name: '_reconstruct', call: reconstruct })],
  ['numpy._core.multiarray._reconstruct', () => ({ kind: 'global', name: '_reconstruct', call: reconstruct })],
  ['numpy.ndarray', () => ({ kind: 'class', name: 'numpy.ndarray' })],
  ['numpy.dtype', () => ({ kind: 'global', name: 'numpy.dtype', call: makeDType })],
  // Python 3 writes bytes in protocol 2 as _codecs.encode(latin-1 text, 'latin1').
  ['_codecs.encode', () => ({ kind: 'global', name: '_codecs.encode', call: codecsEncode })],
]);

/** Text of a Python str (or a Python 2 str read as bytes, decoded latin-1 as torchvision does). */
function asText(v: PickleValue | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
  return undefined;
}

const ITEM_SIZE: Record<string, number> = { u1: 1, i1: 1, b1: 1, u2: 2, i2: 2, u4: 4, i4: 4, f4: 4, u8: 8, i8: 8, f8: 8 };

/** BUILD on an ndarray: state (version, shape, dtype, fortran, rawdata). */
function buildArray(arr: NdArray, state: PickleValue): void {
  if (!Array.isArray(state) || state.length !== 5) throw new PickleError('numpy array state is not (version, shape, dtype, fortran, data)');
  const [, shape, dtype, fortran, raw] = state;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new PickleError('numpy array shape is not a tuple of whole numbers');
  }
  if (!isDType(dtype)) throw new PickleError('numpy array dtype is not a numpy.dtype');
  if (!(raw instanceof Uint8Array)) throw new PickleError(`numpy array of dtype ${dtype.code} holds objects, not raw bytes`);
  const itemSize = ITEM_SIZE[dtype.code];
  if (itemSize === undefined) throw new PickleError(`numpy array of unsupported dtype ${dtype.code}`);
  const n = (shape as number[]).reduce((a, b) => a * b, 1);
  if (raw.length !== n * itemSize) {
    throw new PickleError(`numpy array of shape (${shape.map((d) => JSON.stringify(d)).join(', ')}) and dtype ${dtype.code} needs ${n * itemSize} bytes, found ${raw.length}`);
  }
  Object.assign(arr, { shape: [...(shape as number[])], dtype: dtype.code, fortranOrder: fortran === true, data: raw });
}

/** BUILD on a dtype: state (version, byteorder, …); only plain numeric dtypes occur. */
function buildDType(dt: DType, state: PickleValue): void {
  const order = Array.isArray(state) ? asText(state[1]) : undefined;
  if (order === undefined) throw new PickleError('numpy dtype state is not (version, byteorder, …)');
  if (order === '>') throw new PickleError(`big-endian numpy dtype >${dt.code} is not supported`);
  dt.byteOrder = order;
}

const OPNAMES: Record<number, string> = {
  0x80: 'PROTO', 0x2e: 'STOP', 0x28: 'MARK', 0x7d: 'EMPTY_DICT', 0x5d: 'EMPTY_LIST', 0x29: 'EMPTY_TUPLE',
  0x74: 'TUPLE', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x73: 'SETITEM', 0x75: 'SETITEMS',
  0x61: 'APPEND', 0x65: 'APPENDS', 0x4a: 'BININT', 0x4b: 'BININT1', 0x4d: 'BININT2', 0x8a: 'LONG1',
  0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x58: 'BINUNICODE', 0x4e: 'NONE', 0x88: 'NEWTRUE',
  0x89: 'NEWFALSE', 0x71: 'BINPUT', 0x72: 'LONG_BINPUT', 0x68: 'BINGET', 0x6a: 'LONG_BINGET',
  0x63: 'GLOBAL', 0x52: 'REDUCE', 0x62: 'BUILD', 0x47: 'BINFLOAT',
};

/** Names of opcodes we refuse, so the error says what the file asked for. */
const REFUSED_NAMES: Record<number, string> = {
  0x69: 'INST', 0x6f: 'OBJ', 0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x95: 'FRAME', 0x94: 'MEMOIZE',
  0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES',
  0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER', 0x50: 'PERSID', 0x51: 'BINPERSID',
  0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x49: 'INT', 0x4c: 'LONG', 0x53: 'STRING', 0x56: 'UNICODE',
  0x46: 'FLOAT', 0x70: 'PUT', 0x67: 'GET', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x8b: 'LONG4',
  0x64: 'DICT', 0x6c: 'LIST', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET',
};

/**
 * Parses a protocol-2 pickle of plain data and numpy arrays. `file` only names the source in errors.
 * Large strings and arrays are views into `buf`, not copies.
 */
export function readPickle(buf: Uint8Array, file: string): PickleValue {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = 0;
  let opPos = 0;
  const fail = (msg: string): never => {
    throw new PickleError(`${file}: ${msg} (byte ${opPos}); not a CIFAR pickle as torchvision downloads it — download it again or use the binary version`);
  };
  const need = (n: number): number => {
    if (pos + n > bytes.length) fail(`file ends in the middle of ${OPNAMES[bytes[opPos]] ?? 'an opcode'} — it is truncated`);
    const at = pos;
    pos += n;
    return at;
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) return fail(`${OPNAMES[bytes[opPos]]} on an empty stack`);
    return v;
  };
  const popMark = (): PickleValue[] => {
    const k = stack.lastIndexOf(MARK);
    if (k < 0) return fail(`${OPNAMES[bytes[opPos]]} without a MARK`);
    const items = stack.splice(k) as PickleValue[];
    items.shift();
    return items;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) return fail(`${OPNAMES[bytes[opPos]]} on an empty stack`);
    return v;
  };
  const setItems = (dict: PickleValue, items: PickleValue[]): void => {
    if (!(dict instanceof Map)) fail(`${OPNAMES[bytes[opPos]]} on something that is not a dict`);
    for (let i = 0; i + 1 < items.length; i += 2) {
      const key = typeof items[i] === 'number' ? (items[i] as number) : asText(items[i]);
      if (key === undefined) fail('dict key that is not a string or an int');
      (dict as Map<string | number, PickleValue>).set(key as string | number, items[i + 1]);
    }
  };
  const tuple = (items: PickleValue[]): Tuple => Tuple.from(items);
  const readText = (n: number): string => {
    const at = need(n);
    return bytes.toString('utf8', at, at + n);
  };
  const readRaw = (n: number): Uint8Array => {
    const at = need(n);
    return bytes.subarray(at, at + n);
  };
  const readLine = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('GLOBAL name without its line end — the file is truncated');
    const s = bytes.toString('latin1', pos, end);
    pos = end + 1;
    return s;
  };

  for (;;) {
    opPos = pos;
    if (pos >= bytes.length) fail(pos === 0 ? 'file is empty' : 'file ends before the STOP opcode — it is truncated');
    const op = bytes[pos++];
    switch (op) {
      case 0x80: { // PROTO
        const v = bytes[need(1)];
        if (v > 2) fail(`pickle protocol ${v} (only protocol 2 and older, as in the CIFAR files)`);
        break;
      }
      case 0x2e: { // STOP
        const v = pop();
        if (stack.length) fail('STOP with values left on the stack');
        return v;
      }
      case 0x28: stack.push(MARK); break;
      case 0x7d: stack.push(new Map()); break;
      case 0x5d: stack.push([]); break;
      case 0x29: stack.push(tuple([])); break;
      case 0x74: stack.push(tuple(popMark())); break;
      case 0x85: { const a = pop(); stack.push(tuple([a])); break; }
      case 0x86: { const b = pop(); const a = pop(); stack.push(tuple([a, b])); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(tuple([a, b, c])); break; }
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; }
      case 0x75: { const items = popMark(); setItems(top(), items); break; }
      case 0x61: { const v = pop(); const list = top(); if (!Array.isArray(list) || list instanceof Tuple) fail('APPEND on something that is not a list'); (list as PickleValue[]).push(v); break; }
      case 0x65: { const items = popMark(); const list = top(); if (!Array.isArray(list) || list instanceof Tuple) fail('APPENDS on something that is not a list'); for (const v of items) (list as PickleValue[]).push(v); break; }
      case 0x4a: stack.push(bytes.readInt32LE(need(4))); break;
      case 0x4b: stack.push(bytes[need(1)]); break;
      case 0x4d: stack.push(bytes.readUInt16LE(need(2))); break;
      case 0x8a: { // LONG1: little-endian two's complement of n bytes
        const n = bytes[need(1)];
        const at = need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]);
        if (n > 0 && bytes[at + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: stack.push(bytes.readDoubleBE(need(8))); break;
      // Python 2 str: bytes, read as latin-1 text where text is wanted (torchvision's encoding='latin1').
      case 0x54: { const n = bytes.readInt32LE(need(4)); if (n < 0) fail('negative BINSTRING length'); stack.push(readRaw(n)); break; }
      case 0x55: stack.push(readRaw(bytes[need(1)])); break;
      case 0x58: { const n = bytes.readUInt32LE(need(4)); stack.push(readText(n)); break; }
      case 0x4e: stack.push(null); break;
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x71: memo.set(bytes[need(1)], top()); break;
      case 0x72: memo.set(bytes.readUInt32LE(need(4)), top()); break;
      case 0x68: case 0x6a: {
        const k = op === 0x68 ? bytes[need(1)] : bytes.readUInt32LE(need(4));
        if (!memo.has(k)) fail(`${OPNAMES[op]} of memo slot ${k}, which was never stored`);
        stack.push(memo.get(k) as PickleValue);
        break;
      }
      case 0x63: { // GLOBAL module\nname\n — resolved against the allowlist only.
        const name = `${readLine()}.${readLine()}`;
        const make = ALLOWED_GLOBALS.get(name);
        if (!make) fail(`GLOBAL ${name} is not allowed (only ${[...ALLOWED_GLOBALS.keys()].join(', ')})`);
        stack.push((make as () => AllowedGlobal | ClassMarker)());
        break;
      }
      case 0x52: { // REDUCE: call an allowlisted stand-in with the argument tuple.
        const args = pop();
        const fn = pop();
        if (!(typeof fn === 'object' && fn !== null && (fn as AllowedGlobal).kind === 'global')) fail('REDUCE of something that is not an allowed function');
        if (!(args instanceof Tuple)) fail('REDUCE without an argument tuple');
        try {
          stack.push((fn as AllowedGlobal).call(args as Tuple));
        } catch (e) {
          if (e instanceof PickleError) fail(e.message);
          throw e;
        }
        break;
      }
      case 0x62: { // BUILD: set the state of an array or dtype (nothing else has state here).
        const state = pop();
        const obj = top();
        try {
          if (isNd(obj)) buildArray(obj, state);
          else if (isDType(obj)) buildDType(obj, state);
          else fail('BUILD on something that is not a numpy array or dtype');
        } catch (e) {
          if (e instanceof PickleError && !e.message.startsWith(file)) fail(e.message);
          throw e;
        }
        break;
      }
      default: {
        const name = REFUSED_NAMES[op] ?? OPNAMES[op];
        fail(name ? `opcode ${name} is not supported` : `unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }
}

/** The dict at the top of a pickle, or an error naming the file. */
export function asDict(v: PickleValue, file: string): Map<string | number, PickleValue> {
  if (!(v instanceof Map)) throw new PickleError(`${file}: holds a ${describe(v)}, not the dict of a CIFAR batch`);
  return v;
}

/** A short name for a value's Python type, for errors. */
export function describe(v: PickleValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (v instanceof Tuple) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return v.kind;
  return typeof v;
}

export { asText };
