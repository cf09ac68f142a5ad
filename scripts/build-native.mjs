#!/usr/bin/env node
// Builds Sakimori's optional native accelerators (native/) with node-gyp, against Node's own
// headers. `npm install` runs this. A machine without python3/make/a C compiler gets a warning and
// keeps the TypeScript paths (same results, slower), unless SAKIMORI_REQUIRE_NATIVE=1, which makes
// a failed build an error. No download: node-gyp is npm's own copy, the headers Node's own.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const nativeDir = join(root, 'native');
const required = process.env.SAKIMORI_REQUIRE_NATIVE === '1';

function fail(reason) {
  if (required) {
    console.error(`native accelerators: build failed (${reason}) and SAKIMORI_REQUIRE_NATIVE=1`);
    process.exit(1);
  }
  console.warn(`native accelerators not built (${reason}); Sakimori runs on its TypeScript paths (same results, slower)`);
  process.exit(0);
}

if (process.env.SAKIMORI_NATIVE === '0') {
  console.log('native accelerators: skipped (SAKIMORI_NATIVE=0)');
  process.exit(0);
}

// npm sets npm_config_node_gyp for lifecycle scripts; otherwise look for npm's copy beside node.
const prefix = dirname(dirname(process.execPath));
const candidates = [
  process.env.npm_config_node_gyp,
  join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  join(prefix, 'node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
].filter(Boolean);
const gyp = candidates.find((c) => existsSync(c));
if (!gyp) fail('node-gyp not found');

const args = [gyp, 'rebuild', '--loglevel=warn'];
// Node's own headers (Debian's nodejs ships them under /usr/include/node): never a download.
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { cwd: nativeDir, stdio: ['ignore', 'inherit', 'inherit'] });
if (r.error) fail(r.error.message);
if (r.status !== 0) fail(`node-gyp exited with ${r.status}`);
console.log('native accelerators: built native/build/Release/sakimori_native.node');
