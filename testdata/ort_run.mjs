// Runs one ONNX model on ONNX Runtime with inputs from .npy files and writes
// its outputs as .npy: the reference for the real-model tests.
//
//   node testdata/ort_run.mjs MODEL.onnx OUT_DIR NAME=input.npy [NAME=input.npy ...]
//
// Writes OUT_DIR/<output name>.npy (float32). Inputs may be '<f4', '<i8', '<i4'
// or '|b1' (bool).
// ORT 1.30.0 from third_party/ort (testdata/install_ort.sh), CPU EP, graph
// optimisations disabled, one thread: as close to a plain FP32 evaluation as
// ORT gets.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// NCC_ORT_DIR overrides where testdata/install_ort.sh put the package.
const ortDir = process.env.NCC_ORT_DIR || path.join(here, '..', 'third_party/ort');
const require = createRequire(path.join(ortDir, 'package.json'));
const ort = require('onnxruntime-node');

function readNpy(file) {
  const bytes = fs.readFileSync(file);
  if (bytes.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = bytes[6];
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = bytes.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim())
      .filter((s) => s.length).map(Number);
  const data = bytes.subarray(start);
  const copy = new Uint8Array(data).buffer;
  if (descr === '<f4') return new ort.Tensor('float32', new Float32Array(copy), shape);
  if (descr === '<i8') return new ort.Tensor('int64', new BigInt64Array(copy), shape);
  if (descr === '<i4') return new ort.Tensor('int32', new Int32Array(copy), shape);
  if (descr === '|b1') return new ort.Tensor('bool', new Uint8Array(copy), shape);
  throw new Error(`${file}: dtype ${descr} not supported (want <f4, <i8, <i4 or |b1)`);
}

function writeNpy(file, tensor) {
  const shapeText = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix[0] = 0x93;
  prefix.write('NUMPY', 1, 'latin1');
  prefix[6] = 1;
  prefix.writeUInt16LE(header.length, 8);
  const data = Buffer.from(new Float32Array(tensor.data).buffer);
  fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), data]));
}

const [model, outDir, ...inputArgs] = process.argv.slice(2);
if (!model || !outDir) {
  console.error('usage: node testdata/ort_run.mjs MODEL.onnx OUT_DIR NAME=input.npy ...');
  process.exit(1);
}
const feeds = {};
for (const arg of inputArgs) {
  const eq = arg.indexOf('=');
  feeds[arg.slice(0, eq)] = readNpy(arg.slice(eq + 1));
}
const session = await ort.InferenceSession.create(model, {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'disabled',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
});
const results = await session.run(feeds);
fs.mkdirSync(outDir, { recursive: true });
for (const name of session.outputNames) {
  // File names as neuron-run writes them: characters outside [A-Za-z0-9._-] become _.
  writeNpy(path.join(outDir, `${name.replace(/[^A-Za-z0-9._-]/g, "_")}.npy`), results[name]);
  console.log(`${path.basename(model)}: ${name} ${JSON.stringify(results[name].dims)}`);
}
