// Writes ONNX Runtime reference inputs and outputs for testdata/models/*.onnx.
//
//   node testdata/ort_reference.mjs        (after testdata/install_ort.sh)
//
// For each model except dynamic_batch.onnx (its batch is not pinned), writes
// testdata/models/<name>/ with
//   input_<i>.npy     deterministic inputs, uniform [-1, 1), graph-input order
//   expected_<i>.npy  ONNX Runtime outputs, graph-output order
//   io.txt            "input <i> <name>" / "output <i> <name>" lines
// All .npy files are NumPy format v1.0, little-endian '<f4', C order.
// ORT runs on the CPU EP with graph optimisations disabled and one thread so
// that the FP32 results are as close to a plain evaluation as ORT gets.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const require = createRequire(path.join(root, 'third_party/ort/package.json'));
const ort = require('onnxruntime-node');
const ortVersion = require('onnxruntime-node/package.json').version;

const modelsDir = path.join(here, 'models');
const skip = new Set(['dynamic_batch.onnx']);

// mulberry32: a small, well-mixed 32-bit PRNG; the same seed gives the same
// stream on every machine.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// FNV-1a of the model and input name, so that each input has its own stream.
function seedFor(text) {
  let h = 0x811c9dc5;
  for (const c of Buffer.from(text, 'utf8')) {
    h ^= c;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function npyBytes(float32, shape) {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Magic (6) + version (2) + header length (2) + header + '\n' is a
  // multiple of 64.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  Buffer.from([0x93]).copy(prefix, 0);
  prefix.write('NUMPY', 1, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const data = Buffer.alloc(float32.length * 4);
  for (let i = 0; i < float32.length; ++i) data.writeFloatLE(float32[i], i * 4);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), data]);
}

function staticShape(meta, modelName) {
  const dims = meta.shape;
  for (const [i, d] of dims.entries()) {
    if (typeof d !== 'number' || d <= 0) {
      throw new Error(`${modelName}: input '${meta.name}' dim ${i} is not static`);
    }
  }
  return dims;
}

async function run(file) {
  const name = path.basename(file, '.onnx');
  const session = await ort.InferenceSession.create(file, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'disabled',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const outDir = path.join(modelsDir, name);
  fs.mkdirSync(outDir, { recursive: true });
  const io = [];
  const feeds = {};
  session.inputNames.forEach((inputName, i) => {
    const meta = session.inputMetadata[i];
    if (meta.type !== 'float32') {
      throw new Error(`${name}: input '${inputName}' is ${meta.type}, only float32 is generated`);
    }
    const shape = staticShape(meta, name);
    const count = shape.reduce((a, b) => a * b, 1);
    const next = mulberry32(seedFor(`${name}/${inputName}`));
    const values = new Float32Array(count);
    for (let k = 0; k < count; ++k) values[k] = next() * 2 - 1;
    feeds[inputName] = new ort.Tensor('float32', values, shape);
    fs.writeFileSync(path.join(outDir, `input_${i}.npy`), npyBytes(values, shape));
    io.push(`input ${i} ${inputName}`);
  });
  const results = await session.run(feeds);
  session.outputNames.forEach((outputName, i) => {
    const t = results[outputName];
    if (t.type !== 'float32') {
      throw new Error(`${name}: output '${outputName}' is ${t.type}, expected float32`);
    }
    fs.writeFileSync(path.join(outDir, `expected_${i}.npy`), npyBytes(t.data, t.dims));
    io.push(`output ${i} ${outputName}`);
  });
  fs.writeFileSync(path.join(outDir, 'io.txt'), io.join('\n') + '\n');
  await session.release();
  console.log(`${name}: ${io.length} tensors written to ${path.relative(root, outDir)}`);
}

const files = fs.readdirSync(modelsDir)
  .filter((f) => f.endsWith('.onnx') && !skip.has(f))
  .sort();
console.log(`onnxruntime-node ${ortVersion}`);
for (const f of files) await run(path.join(modelsDir, f));
