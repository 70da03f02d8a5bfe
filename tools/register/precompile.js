#!/usr/bin/env node
'use strict';
// Compiles every TypeScript file under the folders given into @frontrow/register's
// cache, so that the processes started afterwards never load SWC (an image does this
// at build time). Tests and node_modules are left out.

const fs = require('node:fs');
const path = require('node:path');
const { compiler, cacheDir } = require('./index.js');

function* typescriptFiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'test' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* typescriptFiles(full);
    else if (/\.(ts|tsx|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) yield full;
  }
}

const folders = process.argv.slice(2);
if (folders.length === 0) {
  console.error('usage: frontrow-precompile <folder>...');
  process.exit(64);
}
let files = 0;
for (const folder of folders) {
  for (const file of typescriptFiles(path.resolve(folder))) {
    compiler.compile(fs.readFileSync(file, 'utf8'), file);
    files++;
  }
}
console.log(`frontrow-precompile: ${files} files, ${compiler.counts.compiled} compiled, ${compiler.counts.hits} already in ${cacheDir}`);
