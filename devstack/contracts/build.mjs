#!/usr/bin/env node
// Compiles devstack/contracts/src/*.sol offline with solc-js (the npm `solc` package,
// pinned in devstack/package.json) into devstack/contracts/artifacts/<Contract>.json:
//   { abi, bytecode, compiler, contractName, deployedBytecode, sourceName }
//
// Output is byte-for-byte reproducible: fixed compiler settings, no CBOR metadata
// appended to the bytecode (so source paths / comments never change it), object keys
// sorted, trailing newline. `--check` rebuilds in memory and exits 1 if any checked-in
// artifact differs (or is missing / stale).
//
// solc resolution order: devstack/node_modules/solc (the pinned one), then the
// SOLC_MODULE env var (a path to a solc package dir, for working without `npm ci`).
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const srcDir = join(here, 'src');
const outDir = join(here, 'artifacts');

function loadSolc() {
  const candidates = [join(here, '..', 'node_modules', 'solc')];
  if (process.env.SOLC_MODULE) candidates.push(resolve(process.env.SOLC_MODULE));
  for (const dir of candidates) {
    if (existsSync(join(dir, 'package.json'))) {
      return createRequire(join(dir, 'package.json'))('./index.js');
    }
  }
  throw new Error(
    `solc not found; run \`npm ci --prefix devstack\` (looked in: ${candidates.join(', ')})`,
  );
}

// Fixed settings: changing any of these changes the bytecode, so they are part of the pin.
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: {
    '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
  },
};

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    );
  }
  return value;
}

function compile(solc) {
  const files = readdirSync(srcDir)
    .filter((f) => f.endsWith('.sol'))
    .sort();
  const sources = Object.fromEntries(
    files.map((f) => [f, { content: readFileSync(join(srcDir, f), 'utf8') }]),
  );
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));

  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  for (const e of output.errors || []) console.error(e.formattedMessage || e.message);
  if (errors.length) throw new Error(`solc reported ${errors.length} error(s)`);

  const compiler = solc.version();
  const artifacts = new Map();
  for (const sourceName of Object.keys(output.contracts).sort()) {
    for (const [contractName, c] of Object.entries(output.contracts[sourceName])) {
      const bytecode = c.evm.bytecode.object;
      if (!bytecode) continue; // interfaces / abstract contracts
      if (artifacts.has(contractName)) {
        throw new Error(`duplicate contract name ${contractName}`);
      }
      const artifact = sortKeys({
        abi: c.abi,
        bytecode: `0x${bytecode}`,
        compiler,
        contractName,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
        sourceName: `src/${sourceName}`,
      });
      artifacts.set(contractName, `${JSON.stringify(artifact, null, 2)}\n`);
    }
  }
  return { compiler, artifacts };
}

function main() {
  const check = process.argv.includes('--check');
  const solc = loadSolc();
  const { compiler, artifacts } = compile(solc);
  const existing = existsSync(outDir)
    ? readdirSync(outDir).filter((f) => f.endsWith('.json'))
    : [];

  if (check) {
    const stale = existing.filter((f) => !artifacts.has(f.replace(/\.json$/, '')));
    const diff = [...artifacts].filter(([name, text]) => {
      const path = join(outDir, `${name}.json`);
      return !existsSync(path) || readFileSync(path, 'utf8') !== text;
    });
    if (stale.length || diff.length) {
      console.error(
        `artifacts out of date (solc ${compiler}): changed=${diff.map(([n]) => n).join(',') || '-'} stale=${stale.join(',') || '-'}`,
      );
      process.exit(1);
    }
    console.log(`artifacts up to date (solc ${compiler}): ${[...artifacts.keys()].join(', ')}`);
    return;
  }

  mkdirSync(outDir, { recursive: true });
  for (const f of existing) {
    if (!artifacts.has(f.replace(/\.json$/, ''))) rmSync(join(outDir, f));
  }
  for (const [name, text] of artifacts) writeFileSync(join(outDir, `${name}.json`), text);
  console.log(`solc ${compiler}: wrote ${[...artifacts.keys()].map((n) => `${n}.json`).join(', ')}`);
}

main();
