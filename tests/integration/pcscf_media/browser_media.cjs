// The web client and a phone through the AGW (pcscf_media_test.sh,
// media_calls_test.sh): one headless Chromium (Debian's, driven by
// playwright-core) loads the client the P-CSCF serves, registers over WSS and
// makes the calls of --calls in turn (default "out,in"):
//   out   it calls --phone and hangs up;
//   in    it runs --phone-calls (a bash command that must exit 0; it makes the
//         phone call the browser), answers and hangs up;
//   b2b   it calls --peer, a second browser (another Chromium, its own tone),
//         which answers; both check what they hear, then the caller hangs up;
//   out*20 (any item)  that call 20 times in a row.
// Each time the browser's remote SDP must be the AGW's (UDP/TLS/RTP/SAVPF on a
// port in --rtp-min..--rtp-max, ICE credentials, a host candidate there, a
// sha-256 fingerprint; with a peer browser: no candidate outside that range),
// and the other side's audio must reach it: without --expect-hz, decoded
// (getStats inbound-rtp: packets and an audio level); with --wav (the tone the
// browser sends: fake capture) and --expect-hz, the tone heard (WebAudio
// AnalyserNode, tone_monitor.cjs), the call held up for --seconds after the
// answer, and the time from the answer to the first frame with the tone
// printed. After each call --after-call (a bash command, with CALL_N,
// CALL_KIND and CALL_ID in its environment) must exit 0; --out writes the
// calls' notes as JSON. --browser firefox: headless Firefox instead of
// Chromium (it sends its own 1 kHz fake tone: firefox.cjs); what it receives
// is checked with getStats (packets and audio level), --expect-hz is ignored:
// its AudioContext stays suspended without an audio output device.
// --dtmf DIGITS: in each call with the phone, once its tone is heard, the
// client sends DIGITS (window.imsboxClient.sendDtmf: RTCDTMFSender, 100 ms
// tones, 70 ms gaps) and the driver waits until they are out; the call's
// notes get the AGW's port and telephone-event payload type and clock from
// the browser's remote SDP (dtmf: {port, pt, rate}).
//
//   node browser_media.cjs --url https://127.0.0.1:PORT/ --domain D --user USER:PASSWORD \
//     --phone USER --rtp-min N --rtp-max M --node-modules DIR --phone-calls COMMAND \
//     [--calls out,in,b2b,out*20] [--wav TONE.wav --expect-hz HZ --seconds S] [--after-call COMMAND] \
//     [--peer USER:PASSWORD --peer-wav TONE.wav --peer-expect-hz HZ] [--out FILE.json] [--browser firefox] \
//     [--dtmf DIGITS]
//
// Prints one "ok: ..." line per step; exits 1 with "FAIL: ..." on the first failure.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const { parseArgs } = require('node:util');
const tones = require('../webclient/tone_monitor.cjs');

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' }, domain: { type: 'string' }, user: { type: 'string' }, phone: { type: 'string' },
    'rtp-min': { type: 'string' }, 'rtp-max': { type: 'string' }, 'node-modules': { type: 'string' },
    'phone-calls': { type: 'string' }, calls: { type: 'string', default: 'out,in' }, wav: { type: 'string' },
    'expect-hz': { type: 'string' }, seconds: { type: 'string', default: '2' }, 'after-call': { type: 'string' },
    peer: { type: 'string' }, 'peer-wav': { type: 'string' }, 'peer-expect-hz': { type: 'string' },
    out: { type: 'string' }, browser: { type: 'string', default: 'chromium' }, dtmf: { type: 'string' },
  },
});
const { chromium } = require(path.join(args['node-modules'], 'playwright-core'));
const { launchFirefox } = require('../webclient/firefox.cjs');

// PEERS.md: fake devices, loopback ICE candidates, the self-signed certificate
// of `imsbox up`; the remote audio plays into an unmuted <audio> element, so
// Chrome decodes it (audioLevel stays 0 otherwise). With a tone to send, it
// plays once (%noloop) and nothing is played aloud (--mute-audio).
const FLAGS = [
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection',
  '--disable-background-networking', '--no-sandbox', '--ignore-certificate-errors', '--disable-gpu',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--autoplay-policy=no-user-gesture-required',
];
const toneFlags = (wav) => (wav ? [`--use-file-for-fake-audio-capture=${wav}%noloop`, '--mute-audio'] : []);
const STEP_MS = 20000;
const rtpMin = Number(args['rtp-min']);
const rtpMax = Number(args['rtp-max']);
// Firefox's AudioContext stays suspended on a machine without an audio output device (this
// one, CI): no AnalyserNode there, what it receives is checked with getStats (packets, level).
const firefox = args.browser === 'firefox';
const expectHz = args['expect-hz'] && !firefox ? Number(args['expect-hz']) : 0;
const peerHz = args['peer-expect-hz'] ? Number(args['peer-expect-hz']) : 0;
const holdMs = Number(args.seconds) * 1000;
const [user, password] = args.user.split(':');

function ok(what) { console.log(`ok: ${what}`); }
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// the same for playwright-core and puppeteer-core pages
const fill = (page, selector, value) => page.evaluate(([sel, v]) => { document.querySelector(sel).value = v; },
  [selector, value]);

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
    await sleep(100);
  }
}

// The remote SDP of the call: the AGW's, in the browser's form (strict: every
// candidate is the AGW's, none is the other browser's).
async function checkRemoteSdp(page, what, strict = false) {
  const sdp = await page.evaluate(() => {
    const pc = window.imsboxClient.peerConnection();
    return pc && pc.remoteDescription ? pc.remoteDescription.sdp : '';
  });
  const inRange = (p) => Number(p) >= rtpMin && Number(p) <= rtpMax;
  const m = /^m=audio (\d+) (\S+) /m.exec(sdp);
  if (!m || m[2] !== 'UDP/TLS/RTP/SAVPF') throw new Error(`${what}: the remote m= line is not UDP/TLS/RTP/SAVPF:\n${sdp}`);
  const candidates = [...sdp.matchAll(/^a=candidate:\S+ 1 (?:udp|UDP) \d+ [0-9.]+ (\d+) typ host/mg)].map((c) => c[1]);
  if (!candidates.some(inRange)) throw new Error(`${what}: no host candidate of the AGW (${rtpMin}-${rtpMax}):\n${sdp}`);
  const all = [...sdp.matchAll(/^a=candidate:\S+ \d+ \S+ \d+ \S+ (\d+) /mg)].map((c) => c[1]);
  if (strict && (!all.every(inRange) || !inRange(m[1]))) {
    throw new Error(`${what}: a port outside the AGW's (${rtpMin}-${rtpMax}):\n${sdp}`);
  }
  if (!/^a=ice-ufrag:\S+/m.test(sdp) || !/^a=ice-pwd:\S+/m.test(sdp)) throw new Error(`${what}: no ICE credentials:\n${sdp}`);
  if (!/^a=fingerprint:sha-256 [0-9A-F:]+/mi.test(sdp)) throw new Error(`${what}: no sha-256 fingerprint:\n${sdp}`);
  if (/^a=crypto:/m.test(sdp)) throw new Error(`${what}: SDES crypto offered to a browser:\n${sdp}`);
  const setup = (/^a=setup:(\S+)/m.exec(sdp) || [])[1];
  ok(`${what}: the browser's remote SDP is the AGW's: UDP/TLS/RTP/SAVPF, ICE, candidate(s) on ${candidates.join(', ')}, `
     + `sha-256 fingerprint, setup:${setup}`);
}

// The phone's audio arrives and is decoded: inbound-rtp packets and audio level.
async function checkAudio(page, what) {
  const heard = (v) => v.packets > 100 && v.level > 0.01;
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
    if (heard(s)) break;
    await sleep(250);
  }
  if (!heard(s)) throw new Error(`${what}: the phone's audio: ${JSON.stringify(s)}`);
  ok(`${what}: the phone's audio reached the browser through the AGW: ${s.packets} packets of ${s.codec}, `
     + `audio level ${s.level.toFixed(3)}`);
}

// The other side's tone heard (AnalyserNode), then the call held for --seconds after the answer.
async function checkTone(page, what, hz) {
  const rec = await tones.waitForTone(page, what, hz);
  ok(`${what}: the browser hears ${rec.lastToneHz.toFixed(0)} Hz at ${rec.lastToneDb.toFixed(1)} dB; `
     + `200 OK to audio: ${rec.answerToToneMs} ms`);
  return rec;
}

function run(command, env = {}) {
  const child = spawn('bash', ['-c', command], { stdio: 'inherit', env: { ...process.env, ...env } });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

const browsers = [];

async function openClient(who, wav, credentials) {
  let page;
  if (args.browser === 'firefox') {  // it sends its own fake tone (firefox.cjs), not --wav
    const browser = await launchFirefox(args['node-modules']);
    browsers.push(browser);
    page = await browser.newPage();
    ok(`${who}: ${await browser.version()}`);
  } else {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
      args: [...FLAGS, ...toneFlags(wav)] });
    browsers.push(browser);
    page = await browser.newPage({ ignoreHTTPSErrors: true });
  }
  page.on('pageerror', (e) => console.log(`[${who} page error] ${e.message}`));
  const res = await page.goto(args.url, { waitUntil: 'load' });
  if (!res || res.status() !== 200) throw new Error(`GET ${args.url} -> ${res && res.status()}`);
  const [name, secret] = credentials.split(':');
  await fill(page, '#impu', `sip:${name}@${args.domain}`);
  await fill(page, '#password', secret);
  await page.click('#btn-sign-in');
  await waitFor(page, `registration of ${name}`, (v) => v.reg === 'registered');
  ok(`${name} registered over WSS`);
  return page;
}

async function hangUp(page, what) {
  await page.click('#btn-hangup');
  await waitFor(page, 'idle after hanging up', (v) => v.call === 'idle');
  ok(`${what}: hung up`);
}

// The SIP Call-ID of the page's call (JsSIP's INVITE).
const callIdOf = (page) => page.evaluate(() => window.imsboxClient.session._request.call_id);

// --dtmf: the digits sent through the web client's RTCDTMFSender, waited for until its tone
// buffer is empty; the AGW's port and telephone-event (payload type, clock) toward the browser.
async function sendDtmf(page, what) {
  const [sdp, local] = await page.evaluate(() => {
    const pc = window.imsboxClient.peerConnection();
    return [pc.remoteDescription.sdp, pc.localDescription.sdp];
  });
  // the negotiated telephone-event: in the remote SDP and the browser's own (offer or answer) alike
  const events = (s) => [...s.matchAll(/^a=rtpmap:(\d+) telephone-event\/(\d+)/mg)].map((m) => `${m[1]}/${m[2]}`);
  const [pt, rate] = (events(sdp).find((e) => events(local).includes(e)) || '').split('/');
  if (!pt) throw new Error(`${what}: no telephone-event in both the browser's remote and local SDP:\n${sdp}\n${local}`);
  if (!(await page.evaluate((d) => window.imsboxClient.sendDtmf(d), args.dtmf))) {
    throw new Error(`${what}: the client could not send DTMF (no RTCDTMFSender that can insert)`);
  }
  const t0 = Date.now();
  for (;;) {
    const left = await page.evaluate(() => {
      const sender = window.imsboxClient.peerConnection().getSenders().find((x) => x.dtmf);
      return sender.dtmf.toneBuffer;
    });
    if (left === '') break;
    if (Date.now() - t0 > STEP_MS) throw new Error(`${what}: DTMF not sent in ${STEP_MS} ms: '${left}' left`);
    await sleep(100);
  }
  await sleep(300);  // the last tone's end packets
  ok(`${what}: the browser sent the digits ${args.dtmf} (RTCDTMFSender) in ${Date.now() - t0} ms; ` +
    `toward it the AGW's telephone-event/${rate} (pt ${pt})`);
  const port = /^a=candidate:\S+ 1 (?:udp|UDP) \d+ [0-9.]+ (\d+) typ host/m.exec(sdp)[1];
  return { port: Number(port), pt: Number(pt), rate: Number(rate) };
}

// Holds the call until --seconds after `startedAt`.
async function hold(startedAt) {
  const left = holdMs - (Date.now() - startedAt);
  if (left > 0) await sleep(left);
}

// A connected call with the phone: the remote SDP, what the browser hears, --seconds of it, hang up.
async function talkToPhone(page, what) {
  await waitFor(page, 'connected', (v) => v.call === 'connected');
  const startedAt = Date.now();
  const callId = await callIdOf(page);
  await checkRemoteSdp(page, what);
  let rec = {};
  if (expectHz) rec = await checkTone(page, what, expectHz); else await checkAudio(page, what);
  if (args.dtmf) rec.dtmf = await sendDtmf(page, what);
  await hold(startedAt);
  await hangUp(page, what);
  return { ...rec, callId };
}

async function callOut(page, n) {
  await fill(page, '#target', args.phone);
  await page.click('#btn-call');
  return talkToPhone(page, `call ${n}: browser -> phone`);
}

async function callIn(page, n) {
  const exited = run(args['phone-calls'], { CALL_N: String(n) });
  await waitFor(page, `the call from ${args.phone}`, (v) => v.call === 'ringing');
  await page.click('#btn-answer');
  const rec = await talkToPhone(page, `call ${n}: phone -> browser`);
  const code = await exited;
  if (code !== 0) throw new Error(`the phone's call ended with exit status ${code}`);
  return rec;
}

async function callPeer(page, peer, n) {
  const what = `call ${n}: browser -> browser`;
  const [peerName] = args.peer.split(':');
  await fill(page, '#target', peerName);
  await page.click('#btn-call');
  await waitFor(peer, 'the call from the first browser', (v) => v.call === 'ringing');
  await peer.click('#btn-answer');
  await waitFor(page, 'connected', (v) => v.call === 'connected');
  await waitFor(peer, 'connected', (v) => v.call === 'connected');
  const startedAt = Date.now();
  await checkRemoteSdp(page, `${what}: caller`, true);
  await checkRemoteSdp(peer, `${what}: callee`, true);
  const rec = await checkTone(page, `${what}: the caller`, expectHz);
  const peerRec = await checkTone(peer, `${what}: the callee`, peerHz);
  await hold(startedAt);
  await hangUp(page, what);
  await waitFor(peer, 'idle after the remote hang-up', (v) => v.call === 'idle');
  return { ...rec, callee: peerRec };
}

async function main() {
  const page = await openClient('A', args.wav, args.user);
  if (expectHz) await tones.watchCalls(page, expectHz);
  const peer = args.peer ? await openClient('B', args['peer-wav'], args.peer) : null;
  if (peer) await tones.watchCalls(peer, peerHz);
  const results = [];
  let n = 0;
  for (const item of args.calls.split(',')) {
    const [kind, times] = item.split('*');
    for (let i = 0; i < Number(times || 1); i++) {
      n += 1;
      let rec;
      if (kind === 'out') rec = await callOut(page, n);
      else if (kind === 'in') rec = await callIn(page, n);
      else if (kind === 'b2b') rec = await callPeer(page, peer, n);
      else throw new Error(`unknown call kind ${kind}`);
      results.push({ n, kind, ...rec });
      if (args.out) fs.writeFileSync(args.out, JSON.stringify(results, null, 1));
      if (args['after-call']) {
        const code = await run(args['after-call'], { CALL_N: String(n), CALL_KIND: kind, CALL_ID: rec.callId || '' });
        if (code !== 0) throw new Error(`call ${n} (${kind}): the check after the call failed (exit status ${code})`);
      }
    }
  }
  const delays = results.filter((r) => r.answerToToneMs !== undefined).map((r) => r.answerToToneMs);
  if (delays.length) {
    delays.sort((a, b) => a - b);
    ok(`200 OK to audio over ${delays.length} call(s): min ${delays[0]} ms, median ${delays[delays.length >> 1]} ms, `
       + `max ${delays[delays.length - 1]} ms`);
  }
}

main().then(async () => {
  for (const b of browsers) await b.close();
  process.exit(0);
}, async (err) => {
  console.log(`FAIL: ${err.message}`);
  for (const b of browsers) await b.close().catch(() => {});
  process.exit(1);
});
