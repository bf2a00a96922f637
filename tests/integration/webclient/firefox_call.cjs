// The web client in Firefox (issue 6): two headless instances of Debian's
// firefox-esr, driven over WebDriver BiDi by npm puppeteer-core, load the
// client the P-CSCF serves, register over WSS and call each other with
// audio. Run by webclient_test.sh:
//
//   node firefox_call.cjs --url https://127.0.0.1:PORT/ --domain D \
//     --a USER:PASSWORD --b USER:PASSWORD --shots DIR --node-modules DIR
//
// Prints one "ok: ..." line per step; exits 1 with "FAIL: ..." on the first
// failure (after a screenshot of both pages).
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' }, domain: { type: 'string' }, a: { type: 'string' }, b: { type: 'string' },
    shots: { type: 'string' }, 'node-modules': { type: 'string' },
  },
});
const { launchFirefox } = require('./firefox.cjs');

const STEP_MS = 20000;
const [aUser, aPass] = args.a.split(':');
const [bUser, bPass] = args.b.split(':');
fs.mkdirSync(args.shots, { recursive: true });

const browsers = [];
const pages = {};
function ok(what) { console.log(`ok: ${what}`); }
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function shot(name, page) {
  await page.screenshot({ path: path.join(args.shots, `firefox-${name}.png`), fullPage: true });
}

async function newPage(name) {
  const browser = await launchFirefox(args['node-modules']);
  browsers.push(browser);
  const page = await browser.newPage();
  await page.setViewport({ width: 520, height: 900 });
  page.on('pageerror', (e) => console.log(`[${name} page error] ${e.message}`));
  pages[name] = page;
  const res = await page.goto(args.url, { waitUntil: 'load' });
  if (!res || res.status() !== 200) throw new Error(`${name}: GET ${args.url} -> ${res && res.status()}`);
  return page;
}

const state = (page) => page.evaluate(() => ({
  reg: document.body.dataset.regState,
  call: document.body.dataset.callState,
  error: document.getElementById('error').dataset.error,
}));

async function waitFor(page, name, what, predicate) {
  const t0 = Date.now();
  for (;;) {
    const s = await state(page);
    if (predicate(s)) return s;
    if (Date.now() - t0 > STEP_MS) throw new Error(`${name}: waited ${STEP_MS} ms for ${what}; state ${JSON.stringify(s)}`);
    await sleep(100);
  }
}

async function signIn(page, user, password) {
  await page.type('#impu', `sip:${user}@${args.domain}`);
  await page.type('#password', password);
  await page.click('#btn-sign-in');
}

const audioReceived = (page) => page.evaluate(async () => {
  const pc = window.imsboxClient.peerConnection();
  if (!pc) return -1;
  let n = 0;
  (await pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'audio') n += r.packetsReceived || 0; });
  return n;
});

async function main() {
  const a = await newPage('A');
  const b = await newPage('B');
  const version = await a.browser().version();
  await signIn(a, aUser, aPass);
  await signIn(b, bUser, bPass);
  await waitFor(a, 'A', 'registration', (v) => v.reg === 'registered');
  await waitFor(b, 'B', 'registration', (v) => v.reg === 'registered');
  await shot('A-registered', a);
  ok(`${version}: A and B are registered (SIP digest over WSS)`);

  await a.evaluate((t) => { document.getElementById('target').value = t; }, bUser);
  await a.click('#btn-call');
  await waitFor(b, 'B', 'an incoming call', (v) => v.call === 'ringing');
  await shot('B-ringing', b);
  await b.click('#btn-answer');
  await waitFor(a, 'A', 'connected', (v) => v.call === 'connected');
  await waitFor(b, 'B', 'connected', (v) => v.call === 'connected');
  ok('A called B, B answered: both connected');

  const t0 = Date.now();
  let ra = 0;
  let rb = 0;
  while (Date.now() - t0 < 15000) {
    ra = await audioReceived(a);
    rb = await audioReceived(b);
    if (ra > 50 && rb > 50) break;
    await sleep(250);
  }
  await shot('A-connected', a);
  if (!(ra > 50 && rb > 50)) throw new Error(`audio packets received: A ${ra}, B ${rb} (getStats inbound-rtp)`);
  ok(`getStats: audio packets received by A ${ra}, by B ${rb}`);

  await a.click('#btn-hangup');
  await waitFor(a, 'A', 'idle after hanging up', (v) => v.call === 'idle');
  await waitFor(b, 'B', 'idle after the remote hang-up', (v) => v.call === 'idle');
  await shot('B-idle-after-call', b);
  ok('A hung up; both are idle');
}

main().then(async () => {
  for (const br of browsers) await br.close();
  process.exit(0);
}, async (err) => {
  console.log(`FAIL: ${err.message}`);
  for (const [name, page] of Object.entries(pages)) {
    try { await shot(`${name}-at-failure`, page); } catch { /* page gone */ }
  }
  for (const br of browsers) await br.close().catch(() => {});
  process.exit(1);
});
