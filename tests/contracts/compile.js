// Compiles tests/contracts/*.sol with solc-js (pinned in tests/e2e/evm_diff/package.json,
// evmVersion cancun, optimizer 200 runs) into <Name>.json in solc's combined-json shape:
//   {"version": ..., "contracts": {"<File>.sol:<Name>": {"abi": [...], "bin": "...",
//    "bin-runtime": "..."}}}
// Usage: node tests/contracts/compile.js   (after `npm ci` in tests/e2e/evm_diff)
const fs = require('fs');
const path = require('path');
const solc = require(path.join(__dirname, '../e2e/evm_diff/node_modules/solc'));

const dir = __dirname;
const sources = {};
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.sol')).sort())
  sources[f] = { content: fs.readFileSync(path.join(dir, f), 'utf8') };
const input = {
  language: 'Solidity',
  sources,
  settings: {
    evmVersion: 'cancun',
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
let failed = false;
for (const e of out.errors || []) {
  console.error(e.formattedMessage);
  if (e.severity === 'error') failed = true;
}
if (failed) process.exit(1);
for (const file of Object.keys(out.contracts)) {
  for (const [name, c] of Object.entries(out.contracts[file])) {
    if (!c.evm.bytecode.object) continue; // interfaces
    const doc = {
      version: solc.version(),
      evmVersion: 'cancun',
      contracts: {
        [`${file}:${name}`]: { abi: c.abi, bin: c.evm.bytecode.object, 'bin-runtime': c.evm.deployedBytecode.object },
      },
    };
    fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(doc, null, 1) + '\n');
    console.log(`${name}.json: ${c.evm.bytecode.object.length / 2} bytes init, ${c.evm.deployedBytecode.object.length / 2} bytes runtime`);
  }
}
