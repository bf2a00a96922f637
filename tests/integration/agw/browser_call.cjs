// A browser calls a phone through the AGW, for agw_browser_call_test.sh:
//
//   headless Chromium (Debian's, via playwright-core) --- its offer ---> this driver
//   driver --- ng offer (JSON over UDP) ---> AGW --- SDP for the phone ---> driver
//   driver --- SIP INVITE (UDP) ---> baresip (auto-answer) --- 200 with its SDP ---> driver
//   driver --- ng answer ---> AGW --- SDP for the browser ---> Chromium (setRemoteDescription)
//
// The driver is only signalling: media flows Chromium <-> AGW <-> baresip.
// Chromium sends a tone (--use-file-for-fake-audio-capture) and measures the
// remote stream with a WebAudio AnalyserNode on an unmuted <audio>; baresip
// records what it hears (sndfile) for media-tool. At the end: ng query
// (packets both ways), SIP BYE, ng delete.
//
//   node browser_call.cjs --node-modules DIR --ng-port N --phone-port N --sip-port N --wav FILE
//                         --expect-hz 2000 --seconds 6 --out FILE.json
// Prints "ok: ..." lines; exits 1 with "FAIL: ..." at the first failure.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const http = require('node:http');
const dgram = require('node:dgram');
const crypto = require('node:crypto');
const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: {
    'node-modules': { type: 'string' }, 'ng-port': { type: 'string' }, 'phone-port': { type: 'string' },
    'sip-port': { type: 'string' }, wav: { type: 'string' }, 'expect-hz': { type: 'string' },
    seconds: { type: 'string' }, out: { type: 'string' }, label: { type: 'string' },
  },
});
const { chromium } = require(path.join(args['node-modules'], 'playwright-core'));
const NG_PORT = Number(args['ng-port']);
const PHONE_PORT = Number(args['phone-port']);
const SIP_PORT = Number(args['sip-port']);
const EXPECT_HZ = Number(args['expect-hz'] || 2000);
const SECONDS = Number(args.seconds || 6);
const LABEL = args.label || 'call';

const ok = (what) => console.log(`ok: ${LABEL}: ${what}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rand = () => crypto.randomBytes(6).toString('hex');

// ---- ng over UDP, JSON dictionaries ----
const ng = dgram.createSocket('udp4');
const pendingNg = new Map();
ng.on('message', (msg) => {
  const text = msg.toString();
  const space = text.indexOf(' ');
  const cookie = text.slice(0, space);
  const done = pendingNg.get(cookie);
  if (done) { pendingNg.delete(cookie); done(JSON.parse(text.slice(space + 1))); }
});
function ngCommand(dict) {
  const cookie = `t${rand()}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { pendingNg.delete(cookie); reject(new Error(`ng ${dict.command}: no reply`)); }, 5000);
    pendingNg.set(cookie, (reply) => { clearTimeout(timer); resolve(reply); });
    ng.send(`${cookie} ${JSON.stringify(dict)}`, NG_PORT, '127.0.0.1');
  });
}

// ---- a minimal SIP UAC over UDP toward baresip ----
const sip = dgram.createSocket('udp4');
let sipWaiter = null;
sip.on('message', (msg) => { if (sipWaiter) sipWaiter(msg.toString()); });
function sipSend(text) { sip.send(text, PHONE_PORT, '127.0.0.1'); }
function sipWait(pred, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { sipWaiter = null; reject(new Error('SIP: no answer')); }, timeoutMs);
    sipWaiter = (m) => { if (pred(m)) { clearTimeout(timer); sipWaiter = null; resolve(m); } };
  });
}
const header = (msg, name) => {
  const m = msg.match(new RegExp(`^${name}:\\s*(.*)$`, 'mi'));
  return m ? m[1].trim() : '';
};
const body = (msg) => msg.slice(msg.indexOf('\r\n\r\n') + 4);

// ---- the page ----
const PAGE = `<!doctype html><html><body><audio id="remote" autoplay></audio><script>
'use strict';
let pc, analyser;
window.makeOffer = async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
  stream.getAudioTracks().forEach((t) => pc.addTrack(t, stream));
  pc.ontrack = (e) => {
    const remote = e.streams[0] || new MediaStream([e.track]);
    const audio = document.getElementById('remote');
    audio.srcObject = remote;
    audio.muted = false;
    audio.play().catch(() => {});
    const ctx = new AudioContext();
    const src = ctx.createMediaStreamSource(remote);
    analyser = ctx.createAnalyser();
    analyser.fftSize = 8192;
    src.connect(analyser);
  };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
    setTimeout(resolve, 3000);
  });
  return pc.localDescription.sdp;
};
window.takeAnswer = (sdp) => pc.setRemoteDescription({ type: 'answer', sdp });
// a re-offer in the same session (what a re-INVITE, or the offer of an SDP-less one, carries)
window.reoffer = async () => {
  await pc.setLocalDescription(await pc.createOffer());
  return pc.localDescription.sdp;
};
window.stats = async () => {
  const out = { ice: pc.iceConnectionState, connection: pc.connectionState };
  (await pc.getStats()).forEach((r) => {
    if (r.type === 'transport') { out.dtls = r.dtlsState; out.srtpCipher = r.srtpCipher; }
    if (r.type === 'inbound-rtp' && r.kind === 'audio') {
      out.packetsReceived = r.packetsReceived; out.audioLevel = r.audioLevel; out.codecId = r.codecId;
    }
    if (r.type === 'outbound-rtp' && r.kind === 'audio') out.packetsSent = r.packetsSent;
    if (r.type === 'codec') (out.codecs = out.codecs || {})[r.id] = r.mimeType;
  });
  if (out.codecId && out.codecs) out.codec = out.codecs[out.codecId];
  delete out.codecs;
  return out;
};
// the dominant frequency of what the browser hears, and its level
window.peak = () => {
  if (!analyser) return { hz: 0, db: -200 };
  const bins = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(bins);
  let best = 0;
  for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
  return { hz: (best * analyser.context.sampleRate) / analyser.fftSize, db: bins[best] };
};
window.hangUp = () => pc.close();
// RFC 4733 digits through the RTCRtpSender (what the web client does)
window.dtmf = (tones) => {
  const sender = pc.getSenders().find((x) => x.track && x.track.kind === 'audio');
  sender.dtmf.insertDTMF(tones, 120, 80);
};
</script></body></html>`;

const FLAGS = [
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  `--use-file-for-fake-audio-capture=${args.wav}%noloop`, '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required', '--mute-audio', '--disable-background-networking', '--no-sandbox',
  '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

async function waitFor(what, fn, timeout = 20000) {
  const t0 = Date.now();
  let last;
  for (;;) {
    last = await fn();
    if (last.done) return last.value;
    if (Date.now() - t0 > timeout) throw new Error(`${what}: not within ${timeout} ms; last: ${JSON.stringify(last.value)}`);
    await sleep(200);
  }
}

async function main() {
  await new Promise((r) => sip.bind(SIP_PORT, '127.0.0.1', r));
  const server = http.createServer((req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end(PAGE); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
  const result = { label: LABEL };
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
    await page.goto(url);
    const offer = await page.evaluate(() => window.makeOffer());
    const callId = `browser-${rand()}@test`;
    const browserTag = `b${rand()}`;
    // 1. the browser's offer to the AGW, for a phone
    const offered = await ngCommand({
      command: 'offer', 'call-id': callId, 'from-tag': browserTag, sdp: offer,
      'transport-protocol': 'RTP/AVP', ICE: 'remove', replace: ['origin', 'session-connection'],
    });
    if (offered.result !== 'ok') throw new Error(`ng offer: ${JSON.stringify(offered)}`);
    if (!/m=audio \d+ RTP\/AVP /.test(offered.sdp) || /a=(candidate|fingerprint|ice-ufrag)/.test(offered.sdp))
      throw new Error(`the phone's offer is not plain RTP: ${offered.sdp}`);
    ok(`ng offer: the phone gets RTP/AVP (${offered.sdp.match(/m=audio .*/)[0]})`);
    // 2. INVITE baresip with it
    const branch = () => `z9hG4bK${rand()}`;
    const uri = `sip:bob@127.0.0.1:${PHONE_PORT}`;
    const from = `<sip:browser@127.0.0.1>;tag=${browserTag}`;
    const via = () => `SIP/2.0/UDP 127.0.0.1:${SIP_PORT};branch=${branch()};rport`;
    sipSend(`INVITE ${uri} SIP/2.0\r\nVia: ${via()}\r\nMax-Forwards: 70\r\nFrom: ${from}\r\nTo: <${uri}>\r\n` +
      `Call-ID: ${callId}\r\nCSeq: 1 INVITE\r\nContact: <sip:browser@127.0.0.1:${SIP_PORT}>\r\n` +
      `Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(offered.sdp)}\r\n\r\n${offered.sdp}`);
    const ok200 = await sipWait((m) => /^SIP\/2.0 (200|[3-6]\d\d)/.test(m));
    if (!/^SIP\/2.0 200/.test(ok200)) throw new Error(`INVITE: ${ok200.split('\r\n')[0]}`);
    const to = header(ok200, 'To');
    const phoneTag = (to.match(/tag=([^;>\s]+)/) || [])[1];
    const contact = (header(ok200, 'Contact').match(/<([^>]+)>/) || [])[1] || uri;
    sipSend(`ACK ${contact} SIP/2.0\r\nVia: ${via()}\r\nMax-Forwards: 70\r\nFrom: ${from}\r\nTo: ${to}\r\n` +
      `Call-ID: ${callId}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`);
    ok(`the phone answered: ${body(ok200).match(/m=audio .*/)[0]}`);
    // 3. its answer to the AGW, for the browser
    const answered = await ngCommand({
      command: 'answer', 'call-id': callId, 'from-tag': browserTag, 'to-tag': phoneTag, sdp: body(ok200),
      replace: ['origin', 'session-connection'],
    });
    if (answered.result !== 'ok') throw new Error(`ng answer: ${JSON.stringify(answered)}`);
    if (!/a=ice-lite/.test(answered.sdp) || !/a=setup:passive/.test(answered.sdp))
      throw new Error(`the browser's answer: ${answered.sdp}`);
    await page.evaluate((sdp) => window.takeAnswer(sdp), answered.sdp);
    ok(`ng answer: the browser gets ${answered.sdp.match(/m=audio .*/)[0]} (ice-lite, setup:passive)`);
    const t200 = Date.now();
    // 4. media
    const s = await waitFor('ICE and DTLS connected, audio received', async () => {
      const v = await page.evaluate(() => window.stats());
      return { done: ['connected', 'completed'].includes(v.ice) && v.dtls === 'connected' && v.packetsReceived > 0, value: v };
    });
    ok(`browser ICE ${s.ice}, DTLS ${s.dtls}, SRTP ${s.srtpCipher}, receiving ${s.codec} ${Date.now() - t200} ms after the answer`);
    result.codec = s.codec;
    const heard = await waitFor(`the browser hears ${EXPECT_HZ} Hz`, async () => {
      const p = await page.evaluate(() => window.peak());
      return { done: Math.abs(p.hz - EXPECT_HZ) <= EXPECT_HZ * 0.02 && p.db > -70, value: p };
    });
    ok(`the browser hears ${heard.hz.toFixed(0)} Hz at ${heard.db.toFixed(1)} dB (AnalyserNode)`);
    result.browser_peak_hz = heard.hz;
    // 5. a re-offer from the browser, re-INVITE to the phone: the same ports, ICE and DTLS
    //    association (no new handshake), and the audio goes on
    const reoffer = await page.evaluate(() => window.reoffer());
    const reoffered = await ngCommand({
      command: 'offer', 'call-id': callId, 'from-tag': browserTag, 'to-tag': phoneTag, sdp: reoffer,
      'transport-protocol': 'RTP/AVP', ICE: 'remove', replace: ['origin', 'session-connection'],
    });
    if (reoffered.result !== 'ok') throw new Error(`ng re-offer: ${JSON.stringify(reoffered)}`);
    const mline = (sdp) => sdp.match(/m=audio (\d+)/)[1];
    if (mline(reoffered.sdp) !== mline(offered.sdp)) throw new Error(`the phone's port changed: ${reoffered.sdp}`);
    sipSend(`INVITE ${contact} SIP/2.0\r\nVia: ${via()}\r\nMax-Forwards: 70\r\nFrom: ${from}\r\nTo: ${to}\r\n` +
      `Call-ID: ${callId}\r\nCSeq: 3 INVITE\r\nContact: <sip:browser@127.0.0.1:${SIP_PORT}>\r\n` +
      `Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(reoffered.sdp)}\r\n\r\n${reoffered.sdp}`);
    const re200 = await sipWait((m) => /^SIP\/2.0 (200|[3-6]\d\d)/.test(m) && /CSeq:\s*3 INVITE/i.test(m));
    if (!/^SIP\/2.0 200/.test(re200)) throw new Error(`re-INVITE: ${re200.split('\r\n')[0]}`);
    sipSend(`ACK ${contact} SIP/2.0\r\nVia: ${via()}\r\nMax-Forwards: 70\r\nFrom: ${from}\r\nTo: ${to}\r\n` +
      `Call-ID: ${callId}\r\nCSeq: 3 ACK\r\nContent-Length: 0\r\n\r\n`);
    const reanswered = await ngCommand({
      command: 'answer', 'call-id': callId, 'from-tag': browserTag, 'to-tag': phoneTag, sdp: body(re200),
      replace: ['origin', 'session-connection'],
    });
    if (reanswered.result !== 'ok') throw new Error(`ng re-answer: ${JSON.stringify(reanswered)}`);
    const attr = (sdp, name) => (sdp.match(new RegExp(`a=${name}:(.*)`)) || [])[1];
    for (const name of ['ice-ufrag', 'ice-pwd', 'fingerprint']) {
      if (attr(reanswered.sdp, name) !== attr(answered.sdp, name)) throw new Error(`a=${name} changed: ${reanswered.sdp}`);
    }
    if (mline(reanswered.sdp) !== mline(answered.sdp)) throw new Error(`the browser's port changed: ${reanswered.sdp}`);
    await page.evaluate((sdp) => window.takeAnswer(sdp), reanswered.sdp);
    const before = await page.evaluate(() => window.stats());
    await sleep(1500);
    const after = await page.evaluate(() => window.stats());
    if (after.dtls !== 'connected' || !(after.packetsReceived > before.packetsReceived + 30))
      throw new Error(`after the re-offer: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
    ok(`re-offer and re-INVITE: same ports, ICE credentials and fingerprint; DTLS still connected, ` +
      `${after.packetsReceived - before.packetsReceived} packets in 1.5 s after it`);
    await sleep(SECONDS * 1000);
    // still hearing it, and the AGW counts both ways
    const later = await page.evaluate(() => window.peak());
    if (Math.abs(later.hz - EXPECT_HZ) > EXPECT_HZ * 0.02) throw new Error(`the tone went away: ${JSON.stringify(later)}`);
    const q = await ngCommand({ command: 'query', 'call-id': callId, 'from-tag': browserTag });
    if (q.result !== 'ok') throw new Error(`ng query: ${JSON.stringify(q)}`);
    const received = Object.values(q.tags).map((t) => t.medias[0].streams[0].stats.packets);
    if (received.length !== 2 || received.some((n) => n < 100)) throw new Error(`ng query: ${JSON.stringify(q)}`);
    ok(`ng query: the AGW received ${received.join(' and ')} RTP packets from the two parties`);
    result.query = q;
    // 6. DTMF: the browser's digits (RFC 4733 at its telephone-event rate) reach the phone at
    //    its own; play DTMF (what the P-CSCF sends for a SIP INFO digit) injects one toward the phone
    await page.evaluate(() => window.dtmf('159#'));
    await sleep(1500);
    const played = await ngCommand({ command: 'play DTMF', 'call-id': callId, 'from-tag': browserTag, code: '7',
      duration: 150 });
    if (played.result !== 'ok') throw new Error(`ng play DTMF: ${JSON.stringify(played)}`);
    await sleep(1000);
    ok('DTMF 159# sent by the browser, 7 injected with play DTMF');
    // 7. hang up
    sipSend(`BYE ${contact} SIP/2.0\r\nVia: ${via()}\r\nMax-Forwards: 70\r\nFrom: ${from}\r\nTo: ${to}\r\n` +
      `Call-ID: ${callId}\r\nCSeq: 4 BYE\r\nContent-Length: 0\r\n\r\n`);
    await sipWait((m) => /^SIP\/2.0 \d+/.test(m) && /CSeq:\s*4 BYE/i.test(m)).catch(() => {});
    await page.evaluate(() => window.hangUp());
    const deleted = await ngCommand({ command: 'delete', 'call-id': callId, 'from-tag': browserTag });
    if (deleted.result !== 'ok') throw new Error(`ng delete: ${JSON.stringify(deleted)}`);
    ok('BYE sent, ng delete ok');
    result.call_id = callId;
  } finally {
    await browser.close().catch(() => {});
    server.close();
    sip.close();
    ng.close();
    if (args.out) fs.writeFileSync(args.out, JSON.stringify(result, null, 1));
  }
}

main().then(() => process.exit(0), (e) => {
  console.log(`FAIL: ${LABEL}: ${e.message}`);
  process.exit(1);
});
