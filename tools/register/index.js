'use strict';
// `node -r @frontrow/register file.ts` runs FrontRow's TypeScript (decision 0030).
//
// Each .ts or .tsx file is compiled by SWC with the repository's .swcrc, the settings
// Jest compiles the tests with, so decorators and their metadata come out the same
// way. Compiled files are kept in a cache on disk, keyed by the file's path and text,
// SWC's version and the settings; a process whose files are all in the cache never
// loads SWC. Source maps are written beside the compiled code and used for stack
// traces outside production (FRONTROW_SOURCE_MAPS=true or false decides).

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const Module = require('node:module');

const ROOT = path.resolve(__dirname, '..', '..');

function readSettings() {
  const settings = JSON.parse(fs.readFileSync(path.join(ROOT, '.swcrc'), 'utf8'));
  delete settings.$schema;
  return settings;
}

function sourceMapsWanted(env) {
  const setting = env.FRONTROW_SOURCE_MAPS;
  if (setting === 'true' || setting === '1') return true;
  if (setting === 'false' || setting === '0') return false;
  return env.NODE_ENV !== 'production';
}

function createCompiler({ cacheDir, sourceMaps }) {
  const base = readSettings();
  // Read, not required: a process running from the cache loads nothing of SWC.
  const swcVersion = JSON.parse(fs.readFileSync(require.resolve('@swc/core/package.json'), 'utf8')).version;
  const salt = crypto.createHash('sha256').update(`${swcVersion}\0${JSON.stringify(base)}\0${sourceMaps}`).digest('hex');
  let swc;
  let cacheWritable = true;
  const counts = { hits: 0, compiled: 0 };

  function optionsFor(filename) {
    const tsx = filename.endsWith('.tsx');
    const jsc = { ...base.jsc, parser: { ...base.jsc.parser, tsx } };
    if (tsx) jsc.transform = { ...base.jsc.transform, react: { runtime: 'automatic' } };
    return { ...base, jsc, filename, sourceMaps, inlineSourcesContent: false, swcrc: false, configFile: false };
  }

  function writeAtomically(file, text) {
    const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, file);
  }

  /** The JavaScript for one TypeScript file, from the cache or compiled now. */
  function compile(source, filename) {
    const key = crypto.createHash('sha256').update(salt).update('\0').update(filename).update('\0').update(source).digest('hex');
    const codeFile = path.join(cacheDir, `${key}.js`);
    try {
      const cached = fs.readFileSync(codeFile, 'utf8');
      counts.hits++;
      return cached;
    } catch {
      // not cached yet
    }
    swc ??= require('@swc/core');
    const output = swc.transformSync(source, optionsFor(filename));
    counts.compiled++;
    let code = output.code;
    if (output.map) {
      const mapFile = `${codeFile}.map`;
      // Node finds the map by a path relative to the file it runs (it ignores file: URLs here).
      const relative = path.relative(path.dirname(filename), mapFile).split(path.sep).join('/');
      code += `\n//# sourceMappingURL=${encodeURI(relative)}\n`;
      if (cacheWritable) {
        try {
          fs.mkdirSync(cacheDir, { recursive: true });
          writeAtomically(mapFile, output.map);
        } catch {
          cacheWritable = false;
        }
      }
    }
    if (cacheWritable) {
      try {
        fs.mkdirSync(cacheDir, { recursive: true });
        writeAtomically(codeFile, code);
      } catch {
        // A read-only tree (an image) runs from what was compiled into it, or compiles in memory.
        cacheWritable = false;
      }
    }
    return code;
  }

  return { compile, counts };
}

const cacheDir = process.env.FRONTROW_TS_CACHE_DIR || path.join(ROOT, 'node_modules', '.cache', 'frontrow-register');
const sourceMaps = sourceMapsWanted(process.env);
const compiler = createCompiler({ cacheDir, sourceMaps });

if (sourceMaps && !process.sourceMapsEnabled) process.setSourceMapsEnabled(true);

function load(module, filename) {
  module._compile(compiler.compile(fs.readFileSync(filename, 'utf8'), filename), filename);
}
for (const extension of ['.ts', '.tsx', '.cts']) Module._extensions[extension] = load;

module.exports = { compiler, createCompiler, cacheDir, sourceMaps, sourceMapsWanted };
