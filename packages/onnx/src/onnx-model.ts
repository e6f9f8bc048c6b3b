import { ProtoWriter } from './protobuf.js';

/**
 * An ONNX model as plain data, and its encoding as an ONNX file (the ModelProto of
 * onnx/onnx.proto). Field numbers below are onnx.proto's.
 */

export type OnnxDataType = 'float32' | 'int32' | 'int64' | 'bool';

/** TensorProto.DataType. */
const DATA_TYPE: Record<OnnxDataType, number> = { float32: 1, int32: 6, int64: 7, bool: 9 };

export interface OnnxTensor {
  name: string;
  dtype: OnnxDataType;
  dims: number[];
  /** Row-major values; bool as one byte per value. */
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array;
}

export type OnnxAttribute =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'ints'; value: number[] }
  | { type: 'floats'; value: number[] }
  | { type: 'tensor'; value: OnnxTensor };

export interface OnnxNode {
  op: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttribute>;
}

export interface OnnxValueInfo {
  name: string;
  dtype: OnnxDataType;
  dims: number[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  graph: OnnxGraph;
  /** The default domain's operator set. */
  opset: number;
  producer: { name: string; version: string };
  docString?: string;
}

/** IR version 8 (ONNX 1.10+): what opsets up to 17 ship with. */
const IR_VERSION = 8;

/** AttributeProto.AttributeType. */
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

function tensorProto(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter();
  w.packedInts(1, t.dims);
  w.int(2, DATA_TYPE[t.dtype]);
  w.string(8, t.name);
  // raw_data is little-endian, which every platform Node and browsers run on is.
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return w;
}

function attributeProto(name: string, a: OnnxAttribute): ProtoWriter {
  const w = new ProtoWriter();
  w.string(1, name);
  w.int(20, ATTRIBUTE_TYPE[a.type]);
  switch (a.type) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, tensorProto(a.value));
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      break;
    case 'ints':
      w.packedInts(8, a.value);
      break;
  }
  return w;
}

function nodeProto(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const input of n.inputs) w.string(1, input);
  for (const output of n.outputs) w.string(2, output);
  w.string(3, n.name);
  w.string(4, n.op);
  for (const [name, a] of Object.entries(n.attributes)) w.message(5, attributeProto(name, a));
  return w;
}

function valueInfoProto(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) shape.message(1, new ProtoWriter().int(1, d));
  const tensorType = new ProtoWriter().int(1, DATA_TYPE[v.dtype]).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type);
}

function graphProto(g: OnnxGraph): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, nodeProto(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, tensorProto(t));
  for (const v of g.inputs) w.message(11, valueInfoProto(v));
  for (const v of g.outputs) w.message(12, valueInfoProto(v));
  return w;
}

/** The bytes of an `.onnx` file. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, IR_VERSION);
  w.string(2, model.producer.name);
  w.string(3, model.producer.version);
  if (model.docString) w.string(6, model.docString);
  w.message(7, graphProto(model.graph));
  w.message(8, new ProtoWriter().string(1, '').int(2, model.opset));
  return w.finish();
}
