// A stock JsSIP page registers and calls through the box (issue 15): two
// headless Chromium (Debian's, via playwright-core) load stock_jssip.html,
// whose UA has nothing but {sockets: [new JsSIP.WebSocketInterface(url)],
// uri, password}: JsSIP then answers the LAST WWW-Authenticate of the 401
// with MD5 and, without authorization_user, the IMPU's user part as the
// digest username. Run by stock_clients_test.sh:
//
//   node stock_jssip.cjs --wss wss://127.0.0.1:PORT --domain D --a USER:PASSWORD
//     --b USER:PASSWORD --node-modules DIR --work DIR [--register-only]
//
// A and B register; A calls B, B answers, both see the call confirmed
// (signalling: 200 and ACK through the box), A hangs up, both see it end.
// With --register-only, A registers and that is all.
// The page and a JsSIP bundle (esbuild from the build's node_modules) are
// written to --work. Prints "ok: ..." per step; exits 1 with "FAIL: ..."
// and each page's events on the first failure.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: {
    wss: { type: 'string' }, domain: { type: 'string' }, a: { type: 'string' }, b: { type: 'string' },
    'node-modules': { type: 'string' }, work: { type: 'string' }, 'register-only': { type: 'boolean' },
  },
});
const nm = args['node-modules'];
const { chromium } = require(path.join(nm, 'playwright-core'));
const esbuild = require(path.join(nm, 'esbuild'));

// PEERS.md: fake media devices; loopback ICE; the box's self-signed certificate.
const FLAGS = [
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection',
  '--disable-background-networking', '--no-sandbox', '--ignore-certificate-errors', '--disable-gpu',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];
const STEP_MS = 20000;

const browsers = [];
const pages = {};

function ok(what) { console.log(`ok: ${what}`); }

// JsSIP as a page gets it from npm: one script that defines the global JsSIP.
function preparePage() {
  fs.mkdirSync(args.work, { recursive: true });
  esbuild.buildSync({
    stdin: { contents: "module.exports = require('jssip');", resolveDir: nm },
    nodePaths: [nm],
    bundle: true,
    format: 'iife',
    globalName: 'JsSIP',
    platform: 'browser',
    outfile: path.join(args.work, 'jssip.js'),
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(__dirname, 'stock_jssip.html'), path.join(args.work, 'stock_jssip.html'));
}

const events = (name) => pages[name].evaluate(() => window.events);

async function open(name, userPass) {
  const [user, password] = userPass.split(':');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
  browsers.push(browser);
  const page = await browser.newPage({ ignoreHTTPSErrors: true });
  page.on('pageerror', (e) => console.log(`[${name} page error] ${e.message}`));
  pages[name] = page;
  const query = new URLSearchParams({ ws: args.wss, uri: `sip:${user}@${args.domain}`, password });
  await page.goto(`file://${path.join(args.work, 'stock_jssip.html')}?${query}`, { waitUntil: 'load' });
  return page;
}

// Waits until the page's events include one that starts with `what`; an
// event starting with one of `fatal` ends the wait with an error.
async function waitFor(name, what, fatal = []) {
  const t0 = Date.now();
  for (;;) {
    const seen = await events(name);
    if (seen.some((e) => e.startsWith(what))) return seen;
    const bad = seen.find((e) => fatal.some((f) => e.startsWith(f)));
    if (bad) throw new Error(`${name}: "${bad}" while waiting for ${what}`);
    if (Date.now() - t0 > STEP_MS) throw new Error(`${name}: waited ${STEP_MS} ms for ${what}; events ${JSON.stringify(seen)}`);
    await pages[name].waitForTimeout(100);
  }
}

async function main() {
  preparePage();
  await open('A', args.a);
  let seen = await waitFor('A', 'registered', ['registrationFailed']);
  ok(`stock JsSIP A (${args.a.split(':')[0]}, no authorization_user) registered: ${seen.find((e) => e.startsWith('registered'))}`);
  if (args['register-only']) return;
  await open('B', args.b);
  await waitFor('B', 'registered', ['registrationFailed']);
  ok(`stock JsSIP B (${args.b.split(':')[0]}) registered`);

  const target = `sip:${args.b.split(':')[0]}@${args.domain}`;
  await pages.A.evaluate((t) => window.call(t), target);
  await waitFor('B', 'incoming', []);
  ok(`B got A's INVITE to ${target} and answers`);
  await waitFor('A', 'confirmed', ['failed', 'ended']);
  await waitFor('B', 'confirmed', ['failed', 'ended']);
  ok('the call is established on both sides (200 OK and its ACK through the box)');
  await pages.A.evaluate(() => window.hangup());
  await waitFor('A', 'ended', ['failed']);
  seen = await waitFor('B', 'ended', ['failed']);
  ok(`A hung up; B saw the call end (${seen.find((e) => e.startsWith('ended'))})`);
}

main().then(async () => {
  for (const name of Object.keys(pages)) await pages[name].evaluate(() => window.stop()).catch(() => {});
  for (const br of browsers) await br.close();
  process.exit(0);
}, async (err) => {
  console.log(`FAIL: ${err.message}`);
  for (const name of Object.keys(pages)) {
    console.log(`${name} events: ${JSON.stringify(await events(name).catch(() => 'page gone'))}`);
  }
  for (const br of browsers) await br.close().catch(() => {});
  process.exit(1);
});
