// The web client and a phone through the AGW (pcscf_media_test.sh): one
// headless Chromium (Debian's, driven by playwright-core) loads the client
// the P-CSCF serves, registers over WSS, calls the phone and hangs up; then
// has the phone call it (--phone-calls, a bash command that must exit 0),
// answers and hangs up. Each time the browser's remote SDP must be the AGW's
// (UDP/TLS/RTP/SAVPF on a port in --rtp-min..--rtp-max, ICE credentials, a
// host candidate there, a sha-256 fingerprint), and the phone's PCMU must
// reach it decoded (getStats inbound-rtp: packets and an audio level).
//
//   node browser_media.cjs --url https://127.0.0.1:PORT/ --domain D --user USER:PASSWORD \
//     --phone USER --rtp-min N --rtp-max M --node-modules DIR --phone-calls COMMAND
//
// Prints one "ok: ..." line per step; exits 1 with "FAIL: ..." on the first failure.
'use strict';
const path = require('node:path');
const { spawn } = require('node:child_process');
const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' }, domain: { type: 'string' }, user: { type: 'string' }, phone: { type: 'string' },
    'rtp-min': { type: 'string' }, 'rtp-max': { type: 'string' }, 'node-modules': { type: 'string' },
    'phone-calls': { type: 'string' },
  },
});
const { chromium } = require(path.join(args['node-modules'], 'playwright-core'));

// PEERS.md: fake devices, loopback ICE candidates, the self-signed certificate
// of `imsbox up`; the remote audio plays into an unmuted <audio> element, so
// Chrome decodes it (audioLevel stays 0 otherwise).
const FLAGS = [
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection',
  '--disable-background-networking', '--no-sandbox', '--ignore-certificate-errors', '--disable-gpu',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--autoplay-policy=no-user-gesture-required',
];
const STEP_MS = 20000;
const rtpMin = Number(args['rtp-min']);
const rtpMax = Number(args['rtp-max']);
const [user, password] = args.user.split(':');

function ok(what) { console.log(`ok: ${what}`); }

const state = (page) => page.evaluate(() => ({
  reg: document.body.dataset.regState,
  call: document.body.dataset.callState,
  error: document.getElementById('error').dataset.error,
}));

async function waitFor(page, what, predicate, timeout = STEP_MS) {
  const t0 = Date.now();
  for (;;) {
    const s = await state(page);
    if (predicate(s)) return s;
    if (Date.now() - t0 > timeout) throw new Error(`waited ${timeout} ms for ${what}; state ${JSON.stringify(s)}`);
    await page.waitForTimeout(100);
  }
}

// The remote SDP of the call: the AGW's, in the browser's form.
async function checkRemoteSdp(page, what) {
  const sdp = await page.evaluate(() => {
    const pc = window.imsboxClient.peerConnection();
    return pc && pc.remoteDescription ? pc.remoteDescription.sdp : '';
  });
  const inRange = (p) => Number(p) >= rtpMin && Number(p) <= rtpMax;
  const m = /^m=audio (\d+) (\S+) /m.exec(sdp);
  if (!m || m[2] !== 'UDP/TLS/RTP/SAVPF') throw new Error(`${what}: the remote m= line is not UDP/TLS/RTP/SAVPF:\n${sdp}`);
  const candidates = [...sdp.matchAll(/^a=candidate:\S+ 1 (?:udp|UDP) \d+ 127\.0\.0\.1 (\d+) typ host/mg)].map((c) => c[1]);
  if (!candidates.some(inRange)) throw new Error(`${what}: no host candidate of the AGW (${rtpMin}-${rtpMax}):\n${sdp}`);
  if (!/^a=ice-ufrag:\S+/m.test(sdp) || !/^a=ice-pwd:\S+/m.test(sdp)) throw new Error(`${what}: no ICE credentials:\n${sdp}`);
  if (!/^a=fingerprint:sha-256 [0-9A-F:]+/mi.test(sdp)) throw new Error(`${what}: no sha-256 fingerprint:\n${sdp}`);
  if (/^a=crypto:/m.test(sdp)) throw new Error(`${what}: SDES crypto offered to a browser:\n${sdp}`);
  const setup = (/^a=setup:(\S+)/m.exec(sdp) || [])[1];
  ok(`${what}: the browser's remote SDP is the AGW's: UDP/TLS/RTP/SAVPF, ICE, candidate(s) on ${candidates.join(', ')}, `
     + `sha-256 fingerprint, setup:${setup}`);
}

// The phone's PCMU arrives and is decoded: inbound-rtp packets and audio level.
async function checkAudio(page, what) {
  const t0 = Date.now();
  let s = {};
  while (Date.now() - t0 < 15000) {
    s = await page.evaluate(async () => {
      const pc = window.imsboxClient.peerConnection();
      const out = { packets: 0, level: 0, energy: 0, codec: '' };
      if (!pc) return out;
      const stats = await pc.getStats();
      stats.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') {
          out.packets += r.packetsReceived || 0;
          out.level = Math.max(out.level, r.audioLevel || 0);
          out.energy += r.totalAudioEnergy || 0;
          const c = r.codecId && stats.get(r.codecId);
          if (c) out.codec = c.mimeType;
        }
      });
      return out;
    });
    if (s.packets > 100 && s.level > 0.01) break;
    await page.waitForTimeout(250);
  }
  if (!(s.packets > 100 && s.level > 0.01)) throw new Error(`${what}: the phone's audio: ${JSON.stringify(s)}`);
  ok(`${what}: the phone's audio reached the browser through the AGW: ${s.packets} packets of ${s.codec}, `
     + `audio level ${s.level.toFixed(3)}`);
}

function run(command) {
  const child = spawn('bash', ['-c', command], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

let browser;

async function main() {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
  const page = await browser.newPage({ ignoreHTTPSErrors: true });
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  const res = await page.goto(args.url, { waitUntil: 'load' });
  if (!res || res.status() !== 200) throw new Error(`GET ${args.url} -> ${res && res.status()}`);
  await page.fill('#impu', `sip:${user}@${args.domain}`);
  await page.fill('#password', password);
  await page.click('#btn-sign-in');
  await waitFor(page, 'registration', (v) => v.reg === 'registered');
  ok(`${user} registered over WSS`);

  // ---- the browser calls the phone ----
  await page.fill('#target', args.phone);
  await page.click('#btn-call');
  await waitFor(page, `connected to ${args.phone}`, (v) => v.call === 'connected');
  await checkRemoteSdp(page, 'browser -> phone');
  await checkAudio(page, 'browser -> phone');
  await page.click('#btn-hangup');
  await waitFor(page, 'idle after hanging up', (v) => v.call === 'idle');
  ok('browser -> phone: hung up');

  // ---- the phone calls the browser ----
  const exited = run(args['phone-calls']);
  await waitFor(page, `the call from ${args.phone}`, (v) => v.call === 'ringing');
  await page.click('#btn-answer');
  await waitFor(page, 'connected', (v) => v.call === 'connected');
  await checkRemoteSdp(page, 'phone -> browser');
  await checkAudio(page, 'phone -> browser');
  await page.click('#btn-hangup');
  await waitFor(page, 'idle after hanging up', (v) => v.call === 'idle');
  const code = await exited;
  if (code !== 0) throw new Error(`the phone's call ended with exit status ${code}`);
  ok('phone -> browser: answered, hung up by the browser');
}

main().then(async () => {
  await browser.close();
  process.exit(0);
}, async (err) => {
  console.log(`FAIL: ${err.message}`);
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
});
