// Regenerates Sha1.bin-runtime: node compile.js (needs `npm install solc@0.8.26` on the
// module path, e.g. NODE_PATH=/tmp/scratch/node_modules). Prints the method identifiers.
const fs = require('fs');
const solc = require('solc');
const input = {
  language: 'Solidity',
  sources: {'Sha1.sol': {content: fs.readFileSync(__dirname + '/Sha1.sol', 'utf8')}},
  settings: {
    optimizer: {enabled: true, runs: 200},
    evmVersion: 'cancun',
    outputSelection: {'*': {'*': ['evm.deployedBytecode.object', 'evm.methodIdentifiers']}},
  },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
for (const e of out.errors || []) {
  console.error(e.formattedMessage);
  if (e.severity === 'error') process.exit(1);
}
const c = out.contracts['Sha1.sol'].Sha1;
fs.writeFileSync(__dirname + '/Sha1.bin-runtime', c.evm.deployedBytecode.object + '\n');
console.log(solc.version(), JSON.stringify(c.evm.methodIdentifiers));
