#!/usr/bin/env node
// Runs a TensorFlow.js graph model (model.json + weight shards) with the CPU
// backend and writes its outputs as .npy: the reference the TensorFlow
// frontend's results are compared with.
//
//   node tfjs_reference.js --tfjs DIR --model M/model.json --describe
//   node tfjs_reference.js --tfjs DIR --model M/model.json \
//        --input NAME=FILE.npy [--input ...] --out OUT_DIR
//
// --tfjs DIR is the prefix where testdata/tfjs/fetch.sh installed
// @tensorflow/tfjs-{core,backend-cpu,converter} (DIR/node_modules/...).
//
// --describe prints one line per graph input and output:
//   input <name:index> <dtype> [d0,d1,...]     (-1 = unknown)
// (output shapes from one run on zeros, unknown input dims set to 1)
// and the same as JSON on the last line ("describe: {...}").
//
// A run writes OUT_DIR/<file>.npy per output, where <file> is the output's
// `name:index` with every character outside [A-Za-z0-9_.-] replaced by '_',
// and OUT_DIR/outputs.txt with one line per output: `<name:index> <file>
// <dtype> <d0,d1,...>`. Inputs are matched by name, with or without ':0'.
// .npy support: v1/v2 headers, C order, '<f4' '<f8' (read as float32), '<i4'
// '<i8' '|u1' '|i1' (read as int32), '|b1' (bool). Outputs are written as
// '<f4', '<i4' or '|b1'.
//
// tfjs-core without tfjs-node has no file:// loader, so the model is loaded
// through a small IO handler over fs (fileHandler below).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

function fail(message) {
  process.stderr.write(`tfjs_reference: error: ${String(message).split('\n')[0]}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = { inputs: [], describe: false };
  for (let i = 0; i < argv.length; ++i) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--tfjs') args.tfjs = value();
    else if (flag === '--model') args.model = value();
    else if (flag === '--input') args.inputs.push(value());
    else if (flag === '--out') args.out = value();
    else if (flag === '--describe') args.describe = true;
    else fail(`unknown argument '${flag}'`);
  }
  if (!args.tfjs) fail('--tfjs DIR is required');
  if (!args.model) fail('--model model.json is required');
  if (!args.describe && !args.out) fail('--out DIR is required (or --describe)');
  return args;
}

// ---- .npy -----------------------------------------------------------------

const NPY_READ = {
  '<f4': { dtype: 'float32', size: 4, get: (b, o) => b.readFloatLE(o) },
  '<f8': { dtype: 'float32', size: 8, get: (b, o) => b.readDoubleLE(o) },
  '<i4': { dtype: 'int32', size: 4, get: (b, o) => b.readInt32LE(o) },
  '<i8': { dtype: 'int32', size: 8, get: (b, o) => Number(b.readBigInt64LE(o)) },
  '|u1': { dtype: 'int32', size: 1, get: (b, o) => b.readUInt8(o) },
  '|i1': { dtype: 'int32', size: 1, get: (b, o) => b.readInt8(o) },
  '|b1': { dtype: 'bool', size: 1, get: (b, o) => b.readUInt8(o) },
};

function readNpy(file) {
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    fail(`${file}: ${e.message}`);
  }
  if (bytes.length < 10 || bytes[0] !== 0x93 || bytes.toString('latin1', 1, 6) !== 'NUMPY') {
    fail(`${file}: not a .npy file`);
  }
  const major = bytes[6];
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', headerStart, headerStart + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeText) fail(`${file}: bad .npy header`);
  if (fortran[1] === 'True') fail(`${file}: Fortran order is not supported`);
  const kind = NPY_READ[descr[1]];
  if (!kind) fail(`${file}: dtype ${descr[1]} is not supported`);
  const shape = shapeText[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  if (bytes.length !== dataStart + count * kind.size) {
    fail(`${file}: data size does not match shape [${shape}]`);
  }
  const values = kind.dtype === 'float32' ? new Float32Array(count)
    : kind.dtype === 'int32' ? new Int32Array(count) : new Uint8Array(count);
  for (let i = 0; i < count; ++i) values[i] = kind.get(bytes, dataStart + i * kind.size);
  return { dtype: kind.dtype, shape, values };
}

function npyBytes(values, dtype, shape) {
  const descr = { float32: '<f4', int32: '<i4', bool: '|b1' }[dtype];
  if (!descr) fail(`cannot write dtype ${dtype} as .npy`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix[0] = 0x93;
  prefix.write('NUMPY', 1, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const size = dtype === 'bool' ? 1 : 4;
  const data = Buffer.alloc(values.length * size);
  for (let i = 0; i < values.length; ++i) {
    if (dtype === 'float32') data.writeFloatLE(values[i], i * 4);
    else if (dtype === 'int32') data.writeInt32LE(values[i], i * 4);
    else data.writeUInt8(values[i] ? 1 : 0, i);
  }
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), data]);
}

// Runs the graph; execute() is synchronous and needs no control flow, the
// async path is kept for models that have some.
async function runGraph(model, feed, outputNames) {
  let result;
  try {
    result = model.execute(feed, outputNames);
  } catch (e) {
    if (!/executeAsync/.test(String(e && e.message))) throw e;
    result = await model.executeAsync(feed, outputNames);
  }
  return Array.isArray(result) ? result : [result];
}

// ---- model loading ----------------------------------------------------------

// A tf.io.IOHandler that reads model.json and its shards from disk; the
// shards of every weight group are concatenated in manifest order, which is
// the layout tfjs-converter expects.
function fileHandler(modelJsonPath) {
  return {
    load: async () => {
      let json;
      try {
        json = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8'));
      } catch (e) {
        fail(`${modelJsonPath}: ${e.message}`);
      }
      if (!json.modelTopology) fail(`${modelJsonPath}: no modelTopology (not a graph model)`);
      const dir = path.dirname(modelJsonPath);
      const weightSpecs = [];
      const shards = [];
      for (const group of json.weightsManifest || []) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) {
          try {
            shards.push(fs.readFileSync(path.join(dir, p)));
          } catch (e) {
            fail(`${modelJsonPath}: weight shard ${p}: ${e.message}`);
          }
        }
      }
      const all = Buffer.concat(shards);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs,
        weightData,
      };
    },
  };
}

function withIndex(name) {
  return /:\d+$/.test(name) ? name : `${name}:0`;
}

function shapeOf(info) {
  return (info.shape || []).map((d) => (d == null ? -1 : d));
}

function fileNameFor(name) {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const pkg = path.join(path.resolve(args.tfjs), 'package.json');
  const requireTfjs = createRequire(pkg);
  let tf;
  let loadGraphModel;
  try {
    tf = requireTfjs('@tensorflow/tfjs-core');
    requireTfjs('@tensorflow/tfjs-backend-cpu'); // registers the 'cpu' backend
    ({ loadGraphModel } = requireTfjs('@tensorflow/tfjs-converter'));
  } catch (e) {
    fail(`cannot load TensorFlow.js from ${args.tfjs} (run testdata/tfjs/fetch.sh): ${e.message}`);
  }
  const tfjsVersion = requireTfjs('@tensorflow/tfjs-core/package.json').version;
  if (!(await tf.setBackend('cpu'))) fail('the CPU backend did not initialise');
  await tf.ready();
  tf.backend().firstUse = false; // no "install tfjs-node" banner on stdout

  const model = await loadGraphModel(fileHandler(path.resolve(args.model)));
  const inputs = model.inputs.map((t) => ({ name: withIndex(t.name), dtype: t.dtype, shape: shapeOf(t) }));
  // Outputs: the signature's when the model has one, else the graph's sinks.
  const outputNames = model.outputNodes;
  const outputs = outputNames.map((name, i) => {
    const info = model.outputs[i] || {};
    return { name: withIndex(name), dtype: info.dtype || 'float32', shape: shapeOf(info) };
  });

  if (args.describe) {
    // Output shapes: from one run on zeros (unknown input dims set to 1),
    // since models without a signature record none.
    const zeros = {};
    for (const t of model.inputs) zeros[t.name] = tf.zeros(shapeOf(t).map((d) => (d < 0 ? 1 : d)), t.dtype);
    const probe = await runGraph(model, zeros, outputNames);
    probe.forEach((t, i) => Object.assign(outputs[i], { dtype: t.dtype, shape: t.shape }));
    console.log(`tfjs-core ${tfjsVersion}, backend ${tf.getBackend()}`);
    for (const t of inputs) console.log(`input ${t.name} ${t.dtype} [${t.shape.join(',')}]`);
    for (const t of outputs) console.log(`output ${t.name} ${t.dtype} [${t.shape.join(',')}]`);
    console.log(`describe: ${JSON.stringify({ tfjs: tfjsVersion, inputs, outputs })}`);
    return;
  }

  const feed = {};
  for (const spec of args.inputs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) fail(`--input must be NAME=FILE.npy, got '${spec}'`);
    const name = withIndex(spec.slice(0, eq));
    const meta = model.inputs.find((t) => withIndex(t.name) === name);
    if (!meta) fail(`model has no input '${name}' (inputs: ${inputs.map((t) => t.name).join(', ')})`);
    const arr = readNpy(spec.slice(eq + 1));
    if (arr.dtype !== meta.dtype) fail(`input '${name}' is ${meta.dtype}, ${spec.slice(eq + 1)} holds ${arr.dtype}`);
    const want = shapeOf(meta);
    const ok = want.length === arr.shape.length && want.every((d, i) => d === -1 || d === arr.shape[i]);
    if (!ok) fail(`input '${name}' has shape [${want}], ${spec.slice(eq + 1)} has [${arr.shape}]`);
    feed[meta.name] = tf.tensor(arr.values, arr.shape, arr.dtype);
  }
  for (const t of inputs) {
    if (!Object.keys(feed).some((k) => withIndex(k) === t.name)) fail(`no --input for '${t.name}'`);
  }

  const start = process.hrtime.bigint();
  const result = await runGraph(model, feed, outputNames);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;

  fs.mkdirSync(args.out, { recursive: true });
  const lines = [];
  const used = new Set();
  for (const [i, tensor] of result.entries()) {
    const name = outputs[i].name;
    const file = `${fileNameFor(name)}.npy`;
    if (used.has(file)) fail(`two outputs map to the file name ${file}`);
    used.add(file);
    const values = await tensor.data();
    fs.writeFileSync(path.join(args.out, file), npyBytes(values, tensor.dtype, tensor.shape));
    lines.push(`${name} ${file} ${tensor.dtype} ${tensor.shape.join(',')}`);
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    console.log(`output ${name} ${tensor.dtype} [${tensor.shape.join(',')}] ` +
      `min ${min.toPrecision(5)} max ${max.toPrecision(5)} mean ${(sum / values.length).toPrecision(5)}`);
  }
  fs.writeFileSync(path.join(args.out, 'outputs.txt'), `${lines.join('\n')}\n`);
  console.log(`ran in ${ms.toFixed(1)} ms (tfjs-core ${tfjsVersion}, backend ${tf.getBackend()})`);
}

main().catch((e) => fail(e && e.message ? e.message.split('\n')[0] : String(e)));
