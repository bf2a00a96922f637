// Browser <-> browser through the box (issue 6): two headless Chromium
// instances (Debian's /usr/bin/chromium, driven by playwright-core) load the
// web client that the P-CSCF serves over HTTPS on its WSS port, register
// over WSS with SIP digest, and call each other. Run by webclient_test.sh:
//
//   node browser_call.cjs --url https://127.0.0.1:PORT/ --domain D \
//     --a USER:PASSWORD --b USER:PASSWORD --shots DIR --node-modules DIR \
//     [--sipp-user USER --sipp-calls COMMAND] [--restart-pcscf COMMAND]
//
// With --sipp-user, A then calls that (sipp) UE, which answers and hangs up
// (WS -> UDP in one dialog), and, once COMMAND (run with bash) has the sipp
// UE call A, A answers and the sipp UE hangs up (UDP -> WS); COMMAND must
// exit 0. With --restart-pcscf, COMMAND (bash) then kills the P-CSCF (its
// supervisor restarts it): both clients show the network down, reconnect and
// register again by themselves, and A calls B once more.
// Prints one "ok: ..." line per step; exits 1 with "FAIL: ..." on the first
// failure (after a screenshot of both pages).
'use strict';
const path = require('node:path');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' }, domain: { type: 'string' }, a: { type: 'string' }, b: { type: 'string' },
    shots: { type: 'string' }, 'node-modules': { type: 'string' },
    'sipp-user': { type: 'string' }, 'sipp-calls': { type: 'string' }, 'restart-pcscf': { type: 'string' },
  },
});
const { chromium } = require(path.join(args['node-modules'], 'playwright-core'));

// The flags of issue 6 and PEERS.md; the certificate `imsbox up` made is self-signed.
const FLAGS = [
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection',
  '--disable-background-networking', '--no-sandbox', '--ignore-certificate-errors', '--disable-gpu',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--autoplay-policy=no-user-gesture-required',
];
const STEP_MS = 20000;

const [aUser, aPass] = args.a.split(':');
const [bUser, bPass] = args.b.split(':');
fs.mkdirSync(args.shots, { recursive: true });

const browsers = [];
const pages = {};
let shotNo = 0;

function ok(what) { console.log(`ok: ${what}`); }

async function shot(name, page) {
  const file = path.join(args.shots, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

async function newPage(name) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
  browsers.push(browser);
  const page = await browser.newPage({ ignoreHTTPSErrors: true, viewport: { width: 520, height: 900 } });
  page.on('console', (m) => { if (m.type() === 'error') console.log(`[${name} console] ${m.text()}`); });
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
  errorText: document.getElementById('error').textContent,
  confirmed: document.getElementById('call').dataset.confirmed,
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

async function signIn(page, name, user, password) {
  await page.fill('#impu', `sip:${user}@${args.domain}`);
  await page.fill('#password', password);
  await page.click('#btn-sign-in');
}

// Audio packets received, summed over the inbound-rtp audio streams of the call's RTCPeerConnection.
const audioReceived = (page) => page.evaluate(async () => {
  const pc = window.imsboxClient.peerConnection();
  if (!pc) return -1;
  let n = 0;
  (await pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'audio') n += r.packetsReceived || 0; });
  return n;
});

async function main() {
  // ---- errors at sign-in: a wrong password, an unknown user ----
  const x = await newPage('X');
  await shot('signed-out', x);
  await signIn(x, 'X', aUser, 'not-the-password');
  let s = await waitFor(x, 'X', 'the wrong password error', (v) => v.error === 'wrong-password');
  await shot('error-wrong-password', x);
  ok(`a wrong password is reported: "${s.errorText}"`);
  await signIn(x, 'X', 'nobody-here', 'whatever');
  s = await waitFor(x, 'X', 'the unknown user error', (v) => v.error === 'user-unknown');
  await shot('error-user-unknown', x);
  ok(`an unknown user is reported: "${s.errorText}"`);
  await browsers.pop().close();
  delete pages.X;

  // ---- A and B register over WSS ----
  const a = await newPage('A');
  const b = await newPage('B');
  const wss = await a.inputValue('#wss-url');
  if (wss !== args.url.replace(/^https:/, 'wss:').replace(/\/$/, '')) throw new Error(`the WSS URL defaults to ${wss}`);
  ok(`the client is served over HTTPS and defaults to ${wss}`);
  await signIn(a, 'A', aUser, aPass);
  await signIn(b, 'B', bUser, bPass);
  await waitFor(a, 'A', 'registration', (v) => v.reg === 'registered');
  await waitFor(b, 'B', 'registration', (v) => v.reg === 'registered');
  await shot('A-registered', a);
  ok('A and B are registered (SIP digest MD5 over WSS)');

  // ---- B rejects: A hears busy ----
  await a.fill('#target', bUser);
  await a.click('#btn-call');
  await waitFor(b, 'B', 'an incoming call to reject', (v) => v.call === 'ringing');
  await b.click('#btn-reject');
  s = await waitFor(a, 'A', 'the busy error', (v) => v.error === 'callee-busy' && v.call === 'idle');
  await shot('A-callee-busy', a);
  await waitFor(b, 'B', 'idle after rejecting', (v) => v.call === 'idle');
  ok(`a rejected call ends at the caller with "${s.errorText}"`);

  // ---- A calls B, B answers ----
  await a.fill('#target', bUser);
  await a.click('#btn-call');
  await waitFor(a, 'A', 'calling', (v) => v.call === 'calling' || v.call === 'connected');
  await shot('A-calling', a);
  await waitFor(b, 'B', 'an incoming call', (v) => v.call === 'ringing');
  await shot('B-ringing', b);
  ok('B alerts the incoming call');
  await b.click('#btn-answer');
  await waitFor(a, 'A', 'connected', (v) => v.call === 'connected');
  await waitFor(b, 'B', 'connected', (v) => v.call === 'connected');
  ok('A and B are connected');

  // ---- media: audio packets received on both sides ----
  const t0 = Date.now();
  let ra = 0;
  let rb = 0;
  while (Date.now() - t0 < 15000) {
    ra = await audioReceived(a);
    rb = await audioReceived(b);
    if (ra > 50 && rb > 50) break;
    await a.waitForTimeout(250);
  }
  await shot('A-connected', a);
  await shot('B-connected', b);
  if (!(ra > 50 && rb > 50)) throw new Error(`audio packets received: A ${ra}, B ${rb} (getStats inbound-rtp)`);
  ok(`getStats: audio packets received by A ${ra}, by B ${rb}`);
  // B's dialog is confirmed when the ACK of its 200 reaches it over its
  // WebSocket (without it, B's JsSIP ends the call after 64*T1 = 32 s).
  // Checked after the media, so that one run shows both.
  const bConfirmed = (await state(b)).confirmed === 'true';

  // ---- in-call controls: DTMF (RFC 4733 via RTCRtpSender.dtmf), mute ----
  if (!(await a.evaluate(() => window.imsboxClient.sendDtmf('1')))) throw new Error('A could not send DTMF');
  await a.click('#dialpad [data-key="2"]');
  await a.waitForFunction(() => document.getElementById('dtmf-sent').textContent === '12', null, { timeout: 5000 });
  await a.click('#btn-mute');
  await a.waitForSelector('#btn-mute[aria-pressed="true"]', { timeout: 5000 });
  await a.click('#btn-mute');
  await a.waitForSelector('#btn-mute[aria-pressed="false"]', { timeout: 5000 });
  ok('DTMF 1 and 2 sent through the RTCRtpSender; mute and unmute');

  // ---- hold and resume: re-INVITEs through the core; B hears of both ----
  const bStatus = (prefix) => b.waitForFunction((p) => document.getElementById('call-status').textContent.startsWith(p),
    prefix, { timeout: STEP_MS });
  await a.click('#btn-hold');
  await a.waitForSelector('#btn-hold[aria-pressed="true"]', { timeout: STEP_MS });
  await bStatus('On hold');
  await shot('B-held', b);
  await a.click('#btn-hold');
  await a.waitForSelector('#btn-hold[aria-pressed="false"]', { timeout: STEP_MS });
  await bStatus('In call');
  if ((await state(a)).call !== 'connected' || (await state(b)).call !== 'connected') {
    throw new Error('the call did not survive hold and resume');
  }
  ok('hold and resume: B saw both re-INVITEs ("On hold", then "In call" again)');

  // ---- A hangs up ----
  await a.click('#btn-hangup');
  await waitFor(a, 'A', 'idle after hanging up', (v) => v.call === 'idle');
  await waitFor(b, 'B', 'idle after the remote hang-up', (v) => v.call === 'idle');
  await shot('A-idle-after-call', a);
  await shot('B-idle-after-call', b);
  const log = await a.evaluate(() => [...document.querySelectorAll('#call-log li')].map((li) => li.dataset.result));
  if (log[0] !== 'answered' || log[1] !== 'busy' || log.length !== 2) throw new Error(`A's call log: ${JSON.stringify(log)}`);
  ok('A hung up; both are idle; the call log holds the answered and the busy call');
  if (!bConfirmed) throw new Error("B never got the ACK of its 200 (its dialog stayed unconfirmed, data-confirmed='false')");
  ok('the ACK of the 200 reached B');
  if (args['sipp-user']) await withSipp(a);
  if (args['restart-pcscf']) await afterRestart(a, b);
}

// Run a bash command; resolves to its exit status.
function run(command) {
  const child = spawn('bash', ['-c', command], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

// The P-CSCF goes away and comes back: the clients reconnect on their own.
async function afterRestart(a, b) {
  const code = await run(args['restart-pcscf']);
  if (code !== 0) throw new Error(`--restart-pcscf exited ${code}`);
  const s = await waitFor(a, 'A', 'the network-down error', (v) => v.error === 'network-down' && v.reg !== 'registered');
  await shot('A-network-down', a);
  ok(`the P-CSCF went away: A shows "${s.errorText}"`);
  await waitFor(a, 'A', 'registered again', (v) => v.reg === 'registered' && v.error !== 'network-down', 45000);
  await waitFor(b, 'B', 'registered again', (v) => v.reg === 'registered' && v.error !== 'network-down', 45000);
  await shot('A-registered-again', a);
  ok('A and B reconnected and registered again by themselves');
  await a.fill('#target', bUser);
  await a.click('#btn-call');
  await waitFor(b, 'B', 'an incoming call after the restart', (v) => v.call === 'ringing');
  await b.click('#btn-answer');
  await waitFor(a, 'A', 'connected after the restart', (v) => v.call === 'connected');
  await a.click('#btn-hangup');
  await waitFor(b, 'B', 'idle after the call after the restart', (v) => v.call === 'idle');
  ok('A called B again after the restart: answered and hung up');
}

// A browser and a SIP UE (sipp over UDP) call each other; signalling only:
// the sipp UE's SDP has ICE and DTLS attributes but no media behind them
// (a phone's media goes through the AGW).
async function withSipp(a) {
  const user = args['sipp-user'];
  await a.fill('#target', user);
  await a.click('#btn-call');
  await waitFor(a, 'A', `connected to ${user}`, (v) => v.call === 'connected');
  await shot('A-connected-to-sipp', a);
  await waitFor(a, 'A', `idle after ${user} hung up`, (v) => v.call === 'idle');
  ok(`A called the sipp UE ${user} (WS -> UDP): answered, then hung up from the sipp side`);

  const exited = run(args['sipp-calls']);
  await waitFor(a, 'A', `the call from ${user}`, (v) => v.call === 'ringing');
  await shot('A-ringing-from-sipp', a);
  await a.click('#btn-answer');
  await waitFor(a, 'A', `connected with ${user}`, (v) => v.call === 'connected');
  await waitFor(a, 'A', `idle after ${user} hung up`, (v) => v.call === 'idle');
  const code = await exited;
  if (code !== 0) throw new Error(`the sipp UE's call ended with exit status ${code}`);
  const log = await a.evaluate(() => [...document.querySelectorAll('#call-log li')].map((li) => li.dataset.result));
  if (log[0] !== 'answered' || log[1] !== 'answered') throw new Error(`A's call log: ${JSON.stringify(log)}`);
  ok(`the sipp UE ${user} called A (UDP -> WS): A answered, the sipp UE hung up`);
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
