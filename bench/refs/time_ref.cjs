// Times the Node reference transform (../shared/bench/ref_transform.js) as invoke --repeat times ours.
// Usage: node bench/refs/time_ref.cjs REF_DIR EVENT [N]   (CommonJS: the reference is a CommonJS script)
// The reference's handler is taken from its file without its own timing code (the file ends with that code,
// from "const raw = "), and called N times (default 300) in this fresh process, each call timed alone:
// JSON.parse of the request, the handler, JSON.stringify of its response, as the reference's own loop does.
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const [refDir, event, count] = process.argv.slice(2);
const n = Number(count || 300);
const source = fs.readFileSync(path.join(refDir, 'ref_transform.js'), 'utf8');
const cut = source.lastIndexOf('\nconst raw = ');
if (cut < 0) throw new Error('ref_transform.js: its timing code (const raw = ...) was not found');
const loaded = { exports: {} };
const body = source.slice(0, cut).replace(/^#!.*\n/, ''); // its shebang line is no JavaScript inside a function
vm.runInThisContext(`(function (require, module) {${body}\nmodule.exports = handler;\n})`)(require, loaded);
const handler = loaded.exports;
const raw = fs.readFileSync(event);
const times = [];
for (let i = 0; i < n; i++) {
  const t = process.hrtime.bigint();
  JSON.stringify(handler(JSON.parse(raw)));
  times.push(Number(process.hrtime.bigint() - t) / 1e9);
}
const sum = (a) => a.reduce((x, y) => x + y, 0);
const warm = Math.min(40, n);
const steadyFrom = n - Math.floor((n + 2) / 3);
console.log(`warm-up MB/s ${(raw.length * warm / sum(times.slice(0, warm)) / 1e6).toFixed(1)} (requests 1-${warm})`);
console.log(`steady MB/s ${(raw.length * (n - steadyFrom) / sum(times.slice(steadyFrom)) / 1e6).toFixed(1)} (requests ${steadyFrom + 1}-${n})`);
