// Bundles the web client: src/app.js with JsSIP (from the pinned
// node_modules) into one script, and copies the static files beside it.
//   node build.mjs --src DIR --out DIR --node-modules DIR
import { createRequire } from 'node:module';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { src: { type: 'string' }, out: { type: 'string' }, 'node-modules': { type: 'string' } },
});
const src = resolve(args.src ?? 'src');
const out = resolve(args.out ?? 'dist');
const nodeModules = resolve(args['node-modules'] ?? 'node_modules');
// esbuild lives in the build tree's node_modules, not beside this script
const esbuild = createRequire(join(nodeModules, 'noop.js'))('esbuild');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const name of readdirSync(src)) {
  if (!name.endsWith('.js')) cpSync(join(src, name), join(out, name), { recursive: true });
}
await esbuild.build({
  entryPoints: [join(src, 'app.js')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  // current Chromium and Firefox (issue 6); nothing older is promised
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: 'linked',
  nodePaths: [nodeModules],
  logLevel: 'warning',
  legalComments: 'linked',
});
console.log(`web client bundled into ${out}`);
