// Runs ONNX Runtime (CPU, graph optimisations disabled) on ONNX test folders, as the reference
// of the differential test (docs/reliability.md): for every DIR/*/model.onnx whose
// test_data_set_0 has input_I.pb but no output_0.pb, writes output_I.pb (TensorProto, raw_data)
// in the order of the model's graph outputs. A model ORT refuses is moved to DIR/../ort-refused/
// with ORT's message in ort_error.txt, so only graphs both sides run are compared.
// Usage: node tools/ort/run_ort.js DIR        (setup: tools/setup-debian.sh installs the package)
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const TYPES = {1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64',
               9: 'bool', 11: 'float64', 12: 'uint32', 13: 'uint64'};
const ARRAYS = {float32: Float32Array, uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array,
                int32: Int32Array, int64: BigInt64Array, bool: Uint8Array, float64: Float64Array,
                uint32: Uint32Array, uint64: BigUint64Array};

function readVarint(buf, at) {
  let v = 0n, shift = 0n;
  for (;;) {
    const b = buf[at++];
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return [v, at];
    shift += 7n;
  }
}

// The fields fuzz_graphs writes: dims (1), data_type (2), name (8), raw_data (9).
function decodeTensor(buf) {
  const t = {dims: [], type: 0, name: '', raw: Buffer.alloc(0)};
  for (let at = 0; at < buf.length;) {
    let key, v;
    [key, at] = readVarint(buf, at);
    const field = Number(key >> 3n), wire = Number(key & 7n);
    if (wire === 0) {
      [v, at] = readVarint(buf, at);
      if (field === 1) t.dims.push(Number(BigInt.asIntN(64, v)));
      if (field === 2) t.type = Number(v);
    } else if (wire === 2) {
      [v, at] = readVarint(buf, at);
      const body = buf.subarray(at, at + Number(v));
      at += Number(v);
      if (field === 1) for (let p = 0; p < body.length;) { let d; [d, p] = readVarint(body, p); t.dims.push(Number(d)); }
      if (field === 8) t.name = body.toString('utf8');
      if (field === 9) t.raw = Buffer.from(body);
    } else {
      throw new Error('unexpected wire type ' + wire + ' in an input file');
    }
  }
  return t;
}

function varint(n) {
  const out = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}

function encodeTensor(name, typeCode, dims, raw) {
  const parts = [];
  for (const d of dims) parts.push(Buffer.from([0x08]), varint(d));
  parts.push(Buffer.from([0x10]), varint(typeCode));
  const nm = Buffer.from(name, 'utf8');
  parts.push(Buffer.from([0x42]), varint(nm.length), nm);
  parts.push(Buffer.from([0x4a]), varint(raw.length), raw);
  return Buffer.concat(parts);
}

function toOrt(t) {
  const type = TYPES[t.type];
  if (!type) throw new Error('unsupported input type ' + t.type);
  const copy = new Uint8Array(t.raw);  // aligned copy
  const data = new ARRAYS[type](copy.buffer, 0, copy.byteLength / ARRAYS[type].BYTES_PER_ELEMENT);
  return new ort.Tensor(type, data, t.dims);
}

async function runOne(dir) {
  const set = path.join(dir, 'test_data_set_0');
  const feeds = {};
  for (let i = 0; fs.existsSync(path.join(set, `input_${i}.pb`)); ++i) {
    const t = decodeTensor(fs.readFileSync(path.join(set, `input_${i}.pb`)));
    feeds[t.name] = toOrt(t);
  }
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'),
      {executionProviders: ['cpu'], graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1});
  const results = await session.run(feeds);
  session.outputNames.forEach((name, i) => {
    const r = results[name];
    const code = Number(Object.keys(TYPES).find((k) => TYPES[k] === r.type));
    if (!code) throw new Error(`output '${name}' has type ${r.type}`);
    const raw = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength);
    fs.writeFileSync(path.join(set, `output_${i}.pb`), encodeTensor(name, code, r.dims, raw));
  });
  if (session.release) await session.release();
}

async function main() {
  const root = process.argv[2];
  if (!root) { console.error('usage: node run_ort.js DIR'); process.exit(2); }
  const refused = path.join(root, '..', 'ort-refused');
  let ran = 0, failed = 0;
  for (const name of fs.readdirSync(root).sort()) {
    const dir = path.join(root, name);
    if (!fs.existsSync(path.join(dir, 'model.onnx')) || fs.existsSync(path.join(dir, 'test_data_set_0', 'output_0.pb'))) continue;
    try {
      await runOne(dir);
      ++ran;
    } catch (e) {
      ++failed;
      fs.mkdirSync(refused, {recursive: true});
      fs.rmSync(path.join(refused, name), {recursive: true, force: true});
      fs.renameSync(dir, path.join(refused, name));
      fs.writeFileSync(path.join(refused, name, 'ort_error.txt'), String(e && e.message || e) + '\n');
    }
  }
  console.log(`run_ort: ${ran} models run by onnxruntime-node ${require('onnxruntime-node/package.json').version}, ${failed} refused by it (moved to ${refused})`);
}

main().catch((e) => { console.error(e); process.exit(1); });
