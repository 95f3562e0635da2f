/**
 * Reads the float32 initializers (weights) of an ONNX model from its bytes, and which of them the graph's
 * MatMul nodes multiply by, in graph order: just enough protobuf to walk ModelProto.graph (onnx.proto3:
 * ModelProto.graph = 7; GraphProto.node = 1, initializer = 5; NodeProto.input = 1, op_type = 4;
 * TensorProto.dims = 1, data_type = 2, float_data = 4, name = 8, raw_data = 9, data_location = 14).
 * The fused kernel needs the weights themselves, not a session; tensors of other types are skipped.
 */
import { BindingError } from './errors';

export interface FloatInitializer {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export interface Int8Initializer {
  readonly dims: readonly number[];
  readonly data: Int8Array;
}

const FLOAT = 1;
const INT8 = 3;
const EXTERNAL = 1;

class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.end) throw new BindingError('model-contract', 'base.onnx: truncated protobuf');
      const byte = this.bytes[this.pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
  }

  /** Calls `field(number, wireType, reader)` per field; length-delimited fields get a sub-reader. */
  fields(field: (number: number, wire: number, sub: Reader | undefined) => void): void {
    while (this.pos < this.end) {
      const key = this.varint();
      const number = Math.floor(key / 8);
      const wire = key & 7;
      if (wire === 2) {
        const length = this.varint();
        const sub = new Reader(this.bytes, this.pos, this.pos + length);
        this.pos += length;
        field(number, wire, sub);
      } else {
        field(number, wire, undefined);
        if (wire === 0) this.varint();
        else if (wire === 1) this.pos += 8;
        else if (wire === 5) this.pos += 4;
        else throw new BindingError('model-contract', `base.onnx: unsupported protobuf wire type ${wire}`);
      }
      if (this.pos > this.end) throw new BindingError('model-contract', 'base.onnx: truncated protobuf');
    }
  }

  /** The current varint field's value, read without consuming (fields() skips it after the callback). */
  peekVarint(): number {
    const at = this.pos;
    const value = this.varint();
    this.pos = at;
    return value;
  }
}

function readTensor(reader: Reader): { name: string; tensor?: FloatInitializer; int8?: Int8Initializer } {
  const dims: number[] = [];
  let name = '';
  let type = 0;
  let external = false;
  let raw: Uint8Array | undefined;
  let packedFloats: Uint8Array | undefined;
  reader.fields((number, wire, sub) => {
    if (number === 1) {
      if (sub !== undefined) while (sub.pos < sub.end) dims.push(sub.varint());
      else dims.push(reader.peekVarint());
    } else if (number === 2 && wire === 0) type = reader.peekVarint();
    else if (number === 8 && sub !== undefined) name = new TextDecoder().decode(sub.bytes.subarray(sub.pos, sub.end));
    else if (number === 9 && sub !== undefined) raw = sub.bytes.subarray(sub.pos, sub.end);
    else if (number === 4 && sub !== undefined) packedFloats = sub.bytes.subarray(sub.pos, sub.end);
    else if (number === 14 && wire === 0) external = reader.peekVarint() === EXTERNAL;
  });
  if (type !== FLOAT && type !== INT8) return { name };
  if (external) throw new BindingError('model-contract', `base.onnx: initializer ${name} has external data; the kernel reads one self-contained file`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (type === INT8) {
    // int8 goes in raw_data (onnx's numpy_helper writes it so; int32_data is the other encoding, not read here).
    if (raw === undefined || raw.length !== count) return { name };
    return { name, int8: { dims, data: new Int8Array(raw.slice().buffer) } };
  }
  const bytes = raw ?? packedFloats ?? new Uint8Array(0);
  if (bytes.length !== count * 4) {
    throw new BindingError('model-contract', `base.onnx: initializer ${name} holds ${bytes.length} bytes for shape [${dims.join(', ')}]`);
  }
  // Copied out (little-endian float32 in both encodings): the source bytes need not be 4-aligned.
  const data = new Float32Array(count);
  new Uint8Array(data.buffer).set(bytes);
  return { name, tensor: { dims, data } };
}

/**
 * Records a MatMul's (or MatMulInteger's) second input, then those of the node's subgraphs (an If's
 * branches: NodeProto.attribute = 5, AttributeProto.g = 6; GraphProto.node = 1), in order.
 */
function walkNode(reader: Reader, matmulInputs: string[]): void {
  const inputs: string[] = [];
  let opType = '';
  const subgraphs: Reader[] = [];
  const text = (sub: Reader) => new TextDecoder().decode(sub.bytes.subarray(sub.pos, sub.end));
  reader.fields((number, _wire, sub) => {
    if (sub === undefined) return;
    if (number === 1) inputs.push(text(sub));
    else if (number === 4) opType = text(sub);
    else if (number === 5) sub.fields((field, _w, graph) => {
      if (field === 6 && graph !== undefined) subgraphs.push(graph);
    });
  });
  if ((opType === 'MatMul' || opType === 'MatMulInteger') && inputs[1] !== undefined) matmulInputs.push(inputs[1]);
  for (const graph of subgraphs) graph.fields((field, _w, node) => {
    if (field === 1 && node !== undefined) walkNode(node, matmulInputs);
  });
}

export interface GraphWeights {
  /** Every float32 initializer, by name. */
  readonly initializers: Map<string, FloatInitializer>;
  /** Every int8 initializer (stored as raw_data), by name. */
  readonly int8: Map<string, Int8Initializer>;
  /** The initializers that are a MatMul's or a MatMulInteger's second input, in node order, subgraphs included (each once). */
  readonly matmulWeights: string[];
  /** The graph's input names (GraphProto.input = 11, ValueInfoProto.name = 1). */
  readonly inputs: string[];
}

export function readGraphWeights(model: Uint8Array): GraphWeights {
  const initializers = new Map<string, FloatInitializer>();
  const int8 = new Map<string, Int8Initializer>();
  const matmulInputs: string[] = [];
  const inputs: string[] = [];
  new Reader(model).fields((number, _wire, graph) => {
    if (number !== 7 || graph === undefined) return;
    graph.fields((field, _w, sub) => {
      if (sub === undefined) return;
      if (field === 5) {
        const { name, tensor, int8: bytes } = readTensor(sub);
        if (tensor !== undefined) initializers.set(name, tensor);
        if (bytes !== undefined) int8.set(name, bytes);
      } else if (field === 1) {
        walkNode(sub, matmulInputs);
      } else if (field === 11) {
        sub.fields((f, _x, name) => {
          if (f === 1 && name !== undefined) inputs.push(new TextDecoder().decode(name.bytes.subarray(name.pos, name.end)));
        });
      }
    });
  });
  const matmulWeights = [...new Set(matmulInputs.filter((name) => initializers.has(name) || int8.has(name)))];
  return { initializers, int8, matmulWeights, inputs };
}

/** nn.Linear-style [out, in] from an ONNX MatMul weight [in, out] (each output's weights contiguous, as the kernel reads them). */
export function transposed<T extends Float32Array | Int8Array>(w: { readonly dims: readonly number[]; readonly data: T }): T {
  const [rows, cols] = w.dims as [number, number];
  const out = (w.data instanceof Float32Array ? new Float32Array(rows * cols) : new Int8Array(rows * cols)) as T;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w.data[r * cols + c]!;
  return out;
}
