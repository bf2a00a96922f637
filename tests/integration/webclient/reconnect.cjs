// A browser whose connection drops keeps working (issue 15, point 7). Two
// headless Chromium instances (Debian's /usr/bin/chromium, driven by
// playwright-core) load the web client from the P-CSCF and register over
// WSS; A, the callee, reaches the P-CSCF through a TCP relay in this
// process. The relay then drops A's connections under it, twice:
//
//  * "silent": A's side of each connection is reset (RST), the P-CSCF's side
//    is kept open and whatever the P-CSCF sends on it is thrown away: the
//    P-CSCF learns nothing, as when a phone moves to another network or a NAT
//    forgets the mapping;
//  * "reset": both sides are reset, as a middlebox that kills the flow does.
//
// Each time JsSIP notices, opens a new WebSocket (a new TCP connection, so a
// new flow at the P-CSCF), registers again by itself, and B calls A: A rings,
// answers, both are connected, B hangs up.
//
// Last, A's connection drops (silently) in the middle of a call with B; A
// registers again on a new connection while the call goes on; then the
// network deregisters A (--deregister-a, `imsbox subscriber deregister`):
// the P-CSCF releases A's dialog with a BYE to A, which must take A's new
// flow (the old one leads nowhere), and one to B. Both end the call.
//
// The connection is dropped at the TCP level from outside the page, by the
// relay, so that nothing here depends on the client's code (its socket
// class, its reconnect settings): what JsSIP does on its own is what is
// tested. A relay rather than `ss -K`: it works on any kernel (ss -K needs
// CONFIG_INET_DIAG_DESTROY) and it can also drop a flow silently.
//
//   node reconnect.cjs --url https://127.0.0.1:WSS_PORT/ --domain D \
//     --a USER:PASSWORD --b USER:PASSWORD --shots DIR --node-modules DIR \
//     --deregister-a COMMAND
//
// Prints one "ok: ..." line per step (and "relay: ..." lines); exits 1 with
// "FAIL: ..." on the first failure (after a screenshot of both pages).
'use strict';
const path = require('node:path');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' }, domain: { type: 'string' }, a: { type: 'string' }, b: { type: 'string' },
    shots: { type: 'string' }, 'node-modules': { type: 'string' }, 'deregister-a': { type: 'string' },
  },
});
const { chromium } = require(path.join(args['node-modules'], 'playwright-core'));

const FLAGS = [
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection',
  '--disable-background-networking', '--no-sandbox', '--ignore-certificate-errors', '--disable-gpu',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--autoplay-policy=no-user-gesture-required',
];
const STEP_MS = 20000;
// JsSIP retries after 2-4 s at first (connection_recovery_min_interval 2 s,
// doubled with jitter); registering takes a challenge round trip on top.
const RECOVER_MS = 45000;

const [aUser, aPass] = args.a.split(':');
const [bUser, bPass] = args.b.split(':');
const target = new URL(args.url);
fs.mkdirSync(args.shots, { recursive: true });

const browsers = [];
const pages = {};
let shotNo = 0;

function ok(what) { console.log(`ok: ${what}`); }

async function shot(name, page) {
  const file = path.join(args.shots, `${String(++shotNo).padStart(2, '0')}-reconnect-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

// ---- the relay: browser <-> 127.0.0.1:RELAY <-> the P-CSCF's WSS port ----
class Relay {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.pairs = new Set();
    this.accepted = 0;
    this.server = net.createServer((down) => this.accept(down));
  }

  listen() {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve(this.server.address().port)));
  }

  accept(down) {
    ++this.accepted;
    const up = net.connect(this.port, this.host);
    const pair = { down, up, cut: false };
    this.pairs.add(pair);
    down.pipe(up);
    up.pipe(down);
    const end = () => {
      if (pair.cut) return;  // a silently dropped flow stays as it is
      this.pairs.delete(pair);
      down.destroy();
      up.destroy();
    };
    down.on('error', end);
    up.on('error', end);
    down.on('close', end);
    up.on('close', end);
  }

  // Drops every connection open now. "silent": the browser's side gets a
  // RST, the P-CSCF's side stays open and what comes on it is discarded.
  // "reset": both sides get a RST. Returns how many were dropped.
  drop(mode) {
    let n = 0;
    for (const pair of [...this.pairs]) {
      if (pair.cut) continue;
      pair.cut = true;
      ++n;
      pair.down.unpipe(pair.up);
      pair.up.unpipe(pair.down);
      pair.down.resetAndDestroy();
      if (mode === 'reset') {
        pair.up.resetAndDestroy();
        this.pairs.delete(pair);
      } else {
        pair.up.on('data', () => {});  // into the void, without back pressure
      }
    }
    return n;
  }

  live() { return [...this.pairs].filter((p) => !p.cut).length; }

  close() {
    for (const p of this.pairs) {
      p.down.destroy();
      p.up.destroy();
    }
    this.server.close();
  }
}

async function newPage(name, url) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
  browsers.push(browser);
  const page = await browser.newPage({ ignoreHTTPSErrors: true, viewport: { width: 520, height: 900 } });
  page.on('console', (m) => { if (m.type() === 'error') console.log(`[${name} console] ${m.text()}`); });
  page.on('pageerror', (e) => console.log(`[${name} page error] ${e.message}`));
  pages[name] = page;
  const res = await page.goto(url, { waitUntil: 'load' });
  if (!res || res.status() !== 200) throw new Error(`${name}: GET ${url} -> ${res && res.status()}`);
  return page;
}

const state = (page) => page.evaluate(() => ({
  reg: document.body.dataset.regState,
  call: document.body.dataset.callState,
  error: document.getElementById('error').dataset.error,
}));

async function waitFor(page, name, what, predicate, timeout = STEP_MS) {
  const t0 = Date.now();
  for (;;) {
    const s = await state(page);
    if (predicate(s)) return s;
    if (Date.now() - t0 > timeout) throw new Error(`${name}: waited ${timeout} ms for ${what}; state ${JSON.stringify(s)}`);
    await page.waitForTimeout(100);
  }
}

async function signIn(page, user, password) {
  await page.fill('#impu', `sip:${user}@${args.domain}`);
  await page.fill('#password', password);
  await page.click('#btn-sign-in');
}

// B calls A; A answers; B hangs up.
async function callA(a, b, when) {
  await b.fill('#target', aUser);
  await b.click('#btn-call');
  await waitFor(a, 'A', `the incoming call ${when}`, (v) => v.call === 'ringing');
  await a.click('#btn-answer');
  await waitFor(b, 'B', `connected ${when}`, (v) => v.call === 'connected');
  await waitFor(a, 'A', `connected ${when}`, (v) => v.call === 'connected');
  await shot(`A-connected-${when.replace(/\W+/g, '-')}`, a);
  await b.click('#btn-hangup');
  await waitFor(a, 'A', `idle after the call ${when}`, (v) => v.call === 'idle');
  await waitFor(b, 'B', `idle after the call ${when}`, (v) => v.call === 'idle');
}

async function dropAndRecover(relay, a, b, mode) {
  const before = relay.accepted;
  const n = relay.drop(mode);
  if (n === 0) throw new Error(`${mode}: no connection of A's to drop`);
  console.log(`relay: dropped ${n} connection(s) of A's (${mode})`);
  await waitFor(a, 'A', `noticing the dropped connection (${mode})`, (v) => v.reg !== 'registered');
  await shot(`A-dropped-${mode}`, a);
  await waitFor(a, 'A', `registered again (${mode})`, (v) => v.reg === 'registered', RECOVER_MS);
  if (relay.accepted === before) throw new Error(`${mode}: A registered again without a new connection`);
  ok(`A's connection dropped (${mode}): JsSIP reconnected (${relay.accepted - before} new connection(s)) and registered again`);
  await callA(a, b, `after the ${mode} drop`);
  ok(`B called A after the ${mode} drop: A rang, answered, B hung up`);
}

// Run a bash command; resolves to its exit status.
function run(command) {
  const child = spawn('bash', ['-c', command], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

// A's connection drops during a call; A comes back; the network deregisters A.
async function dropDuringCall(relay, a, b) {
  await b.fill('#target', aUser);
  await b.click('#btn-call');
  await waitFor(a, 'A', 'the incoming call before the mid-call drop', (v) => v.call === 'ringing');
  await a.click('#btn-answer');
  await waitFor(b, 'B', 'connected before the mid-call drop', (v) => v.call === 'connected');
  await waitFor(a, 'A', 'connected before the mid-call drop', (v) => v.call === 'connected');
  const before = relay.accepted;
  const n = relay.drop('silent');
  console.log(`relay: dropped ${n} connection(s) of A's (silent, mid-call)`);
  await waitFor(a, 'A', 'noticing the mid-call drop', (v) => v.reg !== 'registered');
  await waitFor(a, 'A', 'registered again mid-call', (v) => v.reg === 'registered', RECOVER_MS);
  if (relay.accepted === before) throw new Error('A registered again without a new connection');
  const s = await state(a);
  if (s.call !== 'connected' || (await state(b)).call !== 'connected') {
    throw new Error(`the call did not outlive the drop: A ${JSON.stringify(s)}, B ${JSON.stringify(await state(b))}`);
  }
  ok('A\'s connection dropped mid-call: A registered again on a new one, the call went on');
  const code = await run(args['deregister-a']);
  if (code !== 0) throw new Error(`--deregister-a exited ${code}`);
  await waitFor(b, 'B', 'the end of the call when the network deregistered A', (v) => v.call === 'idle');
  await waitFor(a, 'A', 'the end of the call (the P-CSCF\'s BYE on its new flow)', (v) => v.call === 'idle');
  await shot('A-released-after-deregistration', a);
  ok('the network deregistered A: the P-CSCF\'s BYE reached A on its new connection, and B; both ended the call');
}

async function main() {
  const relay = new Relay(target.hostname, Number(target.port));
  const relayPort = await relay.listen();
  try {
    const a = await newPage('A', `https://127.0.0.1:${relayPort}/`);
    const b = await newPage('B', args.url);
    const wss = await a.inputValue('#wss-url');
    if (wss !== `wss://127.0.0.1:${relayPort}`) throw new Error(`A's WSS URL is ${wss}, not the relay's`);
    await signIn(a, aUser, aPass);
    await signIn(b, bUser, bPass);
    await waitFor(a, 'A', 'registration', (v) => v.reg === 'registered');
    await waitFor(b, 'B', 'registration', (v) => v.reg === 'registered');
    ok(`A (through the relay on port ${relayPort}) and B are registered`);
    await callA(a, b, 'before any drop');
    ok('B called A before any drop');
    await dropAndRecover(relay, a, b, 'silent');
    await dropAndRecover(relay, a, b, 'reset');
    await dropDuringCall(relay, a, b);
  } finally {
    relay.close();
  }
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
