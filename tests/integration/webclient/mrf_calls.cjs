// The web client and the MRF through the box (issue 19; run by
// mrf_browser_test.sh): one headless Chromium (Debian's, driven by
// playwright-core) loads the client the P-CSCF serves, registers over WSS and
// makes the calls of --plan in turn, a JSON list of
//   {"kind": "early", "name": N, "target": T, "status": 603, "error": "call-rejected", "text": "603",
//    "expect": "audio"|"silence"}
//       the call must not be answered: a 183 with SDP (and P-Early-Media)
//       whose audio arrives through the AGW, then the final STATUS, shown by
//       the client (#error[data-error] = ERROR, TEXT in its text if given);
//       "audio": the remote track carried sound in the 183 phase (getStats
//       inbound-rtp: audioLevel, totalAudioEnergy), "silence": it carried
//       packets but no sound (the check that the detector can say no);
//   {"kind": "answered", "name": N, "target": T, "hz": 1000, "expect": "tone"|"none", "seconds": S}
//       the call is answered; "tone": the remote track has HZ (WebAudio
//       AnalyserNode, tone_monitor.cjs) within 15 s, "none": S seconds of
//       packets without it; then the browser hangs up.
// The browser sends --wav (fake capture, a 1 kHz tone for the echo test).
// Each call's notes go to --out (JSON). Prints "ok: ..." per step; exits 1
// with "FAIL: ..." on the first failure.
//
//   node mrf_calls.cjs --url https://127.0.0.1:PORT/ --domain D --user USER:PASSWORD \
//     --rtp-min N --rtp-max M --node-modules DIR --wav TONE.wav --plan JSON [--out FILE.json]
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { parseArgs } = require('node:util');
const tones = require('./tone_monitor.cjs');

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' }, domain: { type: 'string' }, user: { type: 'string' },
    'rtp-min': { type: 'string' }, 'rtp-max': { type: 'string' }, 'node-modules': { type: 'string' },
    wav: { type: 'string' }, plan: { type: 'string' }, out: { type: 'string' },
  },
});
const { chromium } = require(path.join(args['node-modules'], 'playwright-core'));

// PEERS.md: fake devices (the --wav tone), loopback ICE candidates, the
// self-signed certificate of `imsbox up`; nothing played aloud, but the
// client's <audio> element is unmuted, so Chrome decodes what arrives.
const FLAGS = [
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection',
  '--disable-background-networking', '--no-sandbox', '--ignore-certificate-errors', '--disable-gpu',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--autoplay-policy=no-user-gesture-required', `--use-file-for-fake-audio-capture=${args.wav}%noloop`, '--mute-audio',
];
const STEP_MS = 20000;
// Sound in the 183 phase: Chrome's audioLevel (0..1, the decoded samples'
// peak over the last interval) and totalAudioEnergy (sum of level^2 x seconds).
// The MRF's spoken prompts read 0.1-0.5; digital silence 0.
const MIN_LEVEL = 0.02;
const MIN_ENERGY = 0.0005;
const rtpMin = Number(args['rtp-min']);
const rtpMax = Number(args['rtp-max']);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function ok(what) { console.log(`ok: ${what}`); }

const state = (page) => page.evaluate(() => ({
  reg: document.body.dataset.regState,
  call: document.body.dataset.callState,
  error: document.getElementById('error').dataset.error || '',
  errorText: document.getElementById('error').textContent,
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

// In the page: every new session's notes in window.mrfCalls: its 1xx
// (status, SDP or not, P-Early-Media, the remote SDP once applied), when it
// was answered and ended (cause, final status), and what its inbound audio
// carried, sampled every 100 ms, in total and before the answer (early).
function watchMediaInPage() {
  window.mrfCalls = [];
  window.imsboxClient.ua.on('newRTCSession', ({ session: s }) => {
    const t0 = performance.now();
    const rec = {
      progress: [], acceptedAt: null, endedAt: null, cause: null, status: null, remoteSdp: '',
      packets: 0, energy: 0, maxLevel: 0, earlyPackets: 0, earlyEnergy: 0, earlyMaxLevel: 0, samples: 0,
    };
    window.mrfCalls.push(rec);
    s.on('progress', (e) => {
      const r = e.response;
      rec.progress.push({
        at: Math.round(performance.now() - t0), status: r ? r.status_code : 0, sdp: !!(r && r.body),
        pEarlyMedia: (r && r.getHeader('P-Early-Media')) || '',
      });
      const pc = s.connection;
      if (pc && pc.remoteDescription) rec.remoteSdp = pc.remoteDescription.sdp;
    });
    s.on('accepted', () => { rec.acceptedAt = Math.round(performance.now() - t0); });
    let timer = null;
    const end = (e) => {
      rec.endedAt = Math.round(performance.now() - t0);
      rec.cause = e.cause;
      rec.status = e.message && e.message.status_code ? e.message.status_code : null;
      clearInterval(timer);
    };
    s.on('failed', end);
    s.on('ended', end);
    timer = setInterval(async () => {
      const pc = s.connection;
      if (!pc || pc.signalingState === 'closed' || rec.endedAt !== null) return;
      const stats = await pc.getStats();
      if (rec.endedAt !== null) return;
      let packets = 0;
      let energy = 0;
      let level = 0;
      stats.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') {
          packets += r.packetsReceived || 0;
          energy += r.totalAudioEnergy || 0;
          level = Math.max(level, r.audioLevel || 0);
        }
      });
      rec.samples += 1;
      rec.packets = packets;
      rec.energy = energy;
      rec.maxLevel = Math.max(rec.maxLevel, level);
      if (rec.acceptedAt === null) {
        rec.earlyPackets = packets;
        rec.earlyEnergy = energy;
        rec.earlyMaxLevel = Math.max(rec.earlyMaxLevel, level);
      }
    }, 100);
  });
}

const lastCall = (page) => page.evaluate(() => window.mrfCalls[window.mrfCalls.length - 1]);

// The browser's remote SDP is the AGW's: UDP/TLS/RTP/SAVPF, a host candidate in its range, a fingerprint.
function checkAgwSdp(what, sdp) {
  const m = /^m=audio (\d+) (\S+) /m.exec(sdp);
  if (!m || m[2] !== 'UDP/TLS/RTP/SAVPF') throw new Error(`${what}: the remote m= line is not UDP/TLS/RTP/SAVPF:\n${sdp}`);
  const ports = [...sdp.matchAll(/^a=candidate:\S+ 1 (?:udp|UDP) \d+ [0-9.]+ (\d+) typ host/mg)].map((c) => Number(c[1]));
  if (!ports.some((p) => p >= rtpMin && p <= rtpMax)) {
    throw new Error(`${what}: no host candidate of the AGW (${rtpMin}-${rtpMax}):\n${sdp}`);
  }
  if (!/^a=fingerprint:sha-256 /mi.test(sdp)) throw new Error(`${what}: no sha-256 fingerprint:\n${sdp}`);
  return ports.join(', ');
}

async function dial(page, target) {
  await page.evaluate((t) => { document.getElementById('target').value = t; }, target);
  await page.click('#btn-call');
}

async function earlyCall(page, c) {
  const what = `${c.name} (${c.target})`;
  await dial(page, c.target);
  const s = await waitFor(page, `the end of the call (${c.status})`, (v) => v.call === 'idle', 60000);
  await sleep(200);
  const rec = await lastCall(page);
  const story = JSON.stringify({ ...rec, remoteSdp: undefined });
  if (rec.acceptedAt !== null) throw new Error(`${what}: the call was answered: ${story}`);
  if (rec.status !== c.status) throw new Error(`${what}: ended with ${rec.status} (${rec.cause}), not ${c.status}: ${story}`);
  const early = rec.progress.find((p) => p.sdp);
  if (!early || early.status !== 183) throw new Error(`${what}: no 183 with SDP: ${story}`);
  if (!/sendonly/i.test(early.pEarlyMedia)) throw new Error(`${what}: the 183 has no P-Early-Media: sendonly: ${story}`);
  const ports = checkAgwSdp(what, rec.remoteSdp);
  if (s.error !== c.error || (c.text && !s.errorText.includes(c.text))) {
    throw new Error(`${what}: the client shows ${s.error} "${s.errorText}", not ${c.error} "${c.text || ''}"`);
  }
  const phase = `183 after ${early.at} ms, ${c.status} after ${rec.endedAt} ms`;
  ok(`${what}: ${phase}; the 183's SDP is the AGW's (UDP/TLS/RTP/SAVPF, candidate ${ports}), P-Early-Media: ` +
     `${early.pEarlyMedia}; the client shows ${s.error}: "${s.errorText}"`);
  const sound = `${rec.earlyPackets} packets, audio level up to ${rec.earlyMaxLevel.toFixed(3)}, ` +
    `energy ${rec.earlyEnergy.toFixed(5)}`;
  if (rec.earlyPackets < 25) throw new Error(`${what}: hardly any audio packets in the 183 phase: ${story}`);
  const heard = rec.earlyMaxLevel >= MIN_LEVEL && rec.earlyEnergy >= MIN_ENERGY;
  if (c.expect === 'audio' && !heard) throw new Error(`${what}: no sound in the 183 phase (${sound}): ${story}`);
  if (c.expect === 'silence' && heard) throw new Error(`${what}: sound in the 183 phase of a silent prompt (${sound})`);
  ok(`${what}: in the 183 phase the browser ${heard ? 'heard sound' : 'heard packets but no sound'}: ${sound}`);
  return { ...rec, heard };
}

async function answeredCall(page, c) {
  const what = `${c.name} (${c.target})`;
  await dial(page, c.target);
  await waitFor(page, 'connected', (v) => v.call === 'connected');
  const startedAt = Date.now();
  const rec = await lastCall(page);
  const pcSdp = await page.evaluate(() => window.imsboxClient.peerConnection().remoteDescription.sdp);
  const ports = checkAgwSdp(what, pcSdp);
  let heard;
  if (c.expect === 'tone') {
    heard = await tones.waitForTone(page, what, c.hz);
    ok(`${what}: answered (the AGW's SDP, candidate ${ports}); the browser hears ${heard.lastToneHz.toFixed(0)} Hz ` +
       `at ${heard.lastToneDb.toFixed(1)} dB, ${heard.answerToToneMs} ms after the answer`);
  }
  const left = c.seconds * 1000 - (Date.now() - startedAt);
  if (left > 0) await sleep(left);
  heard = await tones.callHeard(page);
  const notes = await lastCall(page);
  if (notes.packets < 25) throw new Error(`${what}: hardly any audio packets: ${JSON.stringify(notes)}`);
  if (c.expect === 'none') {
    if (heard.toneFrames > 0) {
      throw new Error(`${what}: ${c.hz} Hz heard in ${heard.toneFrames} frames: ${JSON.stringify(heard)}`);
    }
    ok(`${what}: answered (the AGW's SDP, candidate ${ports}); ${notes.packets} packets in ${c.seconds} s, ` +
       `no ${c.hz} Hz in ${heard.frames} analyser frames (loudest bin ${heard.peakHz.toFixed(0)} Hz at ` +
       `${heard.peakDb.toFixed(1)} dB)`);
  }
  await page.click('#btn-hangup');
  await waitFor(page, 'idle after hanging up', (v) => v.call === 'idle');
  ok(`${what}: hung up`);
  return { ...notes, tone: heard, prior: rec.progress };
}

const browsers = [];

async function main() {
  const plan = JSON.parse(args.plan);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
  browsers.push(browser);
  const page = await browser.newPage({ ignoreHTTPSErrors: true });
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  const res = await page.goto(args.url, { waitUntil: 'load' });
  if (!res || res.status() !== 200) throw new Error(`GET ${args.url} -> ${res && res.status()}`);
  const [name, secret] = args.user.split(':');
  await page.evaluate(([impu, pw]) => {
    document.getElementById('impu').value = impu;
    document.getElementById('password').value = pw;
  }, [`sip:${name}@${args.domain}`, secret]);
  await page.click('#btn-sign-in');
  await waitFor(page, `registration of ${name}`, (v) => v.reg === 'registered');
  ok(`${name} registered over WSS`);
  await page.evaluate(watchMediaInPage);
  await tones.watchCalls(page, 1000);
  const results = [];
  for (const c of plan) {
    const rec = c.kind === 'early' ? await earlyCall(page, c) : await answeredCall(page, c);
    results.push({ name: c.name, ...rec });
    if (args.out) fs.writeFileSync(args.out, JSON.stringify(results, null, 1));
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
