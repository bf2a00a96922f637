// The pieces of a browser <-> AGW <-> phone call driven over ng, shared by
// agw/browser_call.cjs and media_flows/flows.cjs:
//   * Ng: the AGW's control protocol (JSON dictionaries over UDP);
//   * Sip: a minimal SIP endpoint over UDP toward one phone (baresip): the
//     requests it sends, the responses it waits for, the requests the phone
//     sends to it (re-INVITE, BYE) handed to a callback;
//   * the test page (an RTCPeerConnection sending Chromium's fake-capture
//     tone, a WebAudio AnalyserNode on the remote stream, getStats) and the
//     headless Chromium that loads it;
//   * waitFor: polling with a deadline (never a fixed sleep as the check).
'use strict';
const path = require('node:path');
const http = require('node:http');
const dgram = require('node:dgram');
const crypto = require('node:crypto');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rand = () => crypto.randomBytes(6).toString('hex');

// ---- ng over UDP, JSON dictionaries ----
class Ng {
  constructor(port) {
    this.port = port;
    this.socket = dgram.createSocket('udp4');
    this.pending = new Map();
    this.socket.on('message', (msg) => {
      const text = msg.toString();
      const space = text.indexOf(' ');
      const done = this.pending.get(text.slice(0, space));
      if (done) { this.pending.delete(text.slice(0, space)); done(JSON.parse(text.slice(space + 1))); }
    });
  }
  command(dict, timeoutMs = 5000) {
    const cookie = `t${rand()}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(cookie); reject(new Error(`ng ${dict.command}: no reply`)); },
        timeoutMs);
      this.pending.set(cookie, (reply) => { clearTimeout(timer); resolve(reply); });
      this.socket.send(`${cookie} ${JSON.stringify(dict)}`, this.port, '127.0.0.1');
    });
  }
  // a command that must answer result ok
  async ok(dict) {
    const reply = await this.command(dict);
    if (reply.result !== 'ok') throw new Error(`ng ${dict.command}: ${JSON.stringify(reply)}`);
    return reply;
  }
  close() { this.socket.close(); }
}

// ---- a minimal SIP endpoint over UDP toward one phone ----
const header = (msg, name) => {
  const m = msg.match(new RegExp(`^${name}:\\s*(.*)$`, 'mi'));
  return m ? m[1].trim() : '';
};
const body = (msg) => msg.slice(msg.indexOf('\r\n\r\n') + 4);
const mline = (sdp) => (sdp.match(/m=audio .*/) || ['(no m=audio)'])[0];

class Sip {
  constructor(localPort, phonePort) {
    this.localPort = localPort;
    this.phonePort = phonePort;
    this.socket = dgram.createSocket('udp4');
    this.waiter = null;
    this.onRequest = null;  // (request text) => void, for requests from the phone
    this.socket.on('message', (msg) => {
      const text = msg.toString();
      if (!text.startsWith('SIP/2.0') && this.onRequest) return this.onRequest(text);
      if (this.waiter) this.waiter(text);
      return undefined;
    });
  }
  bind() { return new Promise((r) => this.socket.bind(this.localPort, '127.0.0.1', r)); }
  send(text) { this.socket.send(text, this.phonePort, '127.0.0.1'); }
  wait(pred, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiter = null; reject(new Error('SIP: no answer')); }, timeoutMs);
      this.waiter = (m) => { if (pred(m)) { clearTimeout(timer); this.waiter = null; resolve(m); } };
    });
  }
  via() { return `SIP/2.0/UDP 127.0.0.1:${this.localPort};branch=z9hG4bK${rand()};rport`; }
  contact(user = 'browser') { return `<sip:${user}@127.0.0.1:${this.localPort}>`; }
  // a request of the dialog `d` ({uri, from, to, callId}); `sdp` optional
  request(method, d, cseq, sdp) {
    const content = sdp ? `Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}`
      : 'Content-Length: 0\r\n\r\n';
    this.send(`${method} ${d.uri} SIP/2.0\r\nVia: ${this.via()}\r\nMax-Forwards: 70\r\nFrom: ${d.from}\r\n` +
      `To: ${d.to}\r\nCall-ID: ${d.callId}\r\nCSeq: ${cseq} ${method}\r\nContact: ${this.contact()}\r\n${content}`);
  }
  // the final response to `method` with CSeq `cseq` (provisional ones go to onProvisional)
  async final(method, cseq, onProvisional, timeoutMs = 10000) {
    const re = new RegExp(`^CSeq:\\s*${cseq} ${method}`, 'mi');
    for (;;) {
      const m = await this.wait((x) => re.test(x), timeoutMs);
      if (/^SIP\/2.0 1\d\d/.test(m)) { if (onProvisional) await onProvisional(m); continue; }
      return m;
    }
  }
  // a response to a request the phone sent
  respond(request, status, sdp, toTag) {
    const vias = request.split('\r\n').filter((l) => /^Via:/i.test(l)).join('\r\n');
    let to = header(request, 'To');
    if (toTag && !/tag=/.test(to)) to += `;tag=${toTag}`;
    const content = sdp ? `Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}`
      : 'Content-Length: 0\r\n\r\n';
    this.send(`SIP/2.0 ${status}\r\n${vias}\r\nFrom: ${header(request, 'From')}\r\nTo: ${to}\r\n` +
      `Call-ID: ${header(request, 'Call-ID')}\r\nCSeq: ${header(request, 'CSeq')}\r\nContact: ${this.contact()}\r\n${content}`);
  }
  close() { this.socket.close(); }
}

// ---- the page ----
const PAGE = `<!doctype html><html><body><audio id="remote" autoplay></audio><script>
'use strict';
let pc, analyser;
window.init = async () => {
  if (pc) return;
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
};
const gathered = () => new Promise((resolve) => {
  if (pc.iceGatheringState === 'complete') return resolve();
  pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
  setTimeout(resolve, 3000);
});
window.makeOffer = async () => {
  await window.init();
  await pc.setLocalDescription(await pc.createOffer());
  await gathered();
  return pc.localDescription.sdp;
};
// type 'answer' or 'pranswer'
window.takeAnswer = (sdp, type) => pc.setRemoteDescription({ type: type || 'answer', sdp });
// an offer from the other side: our answer (optionally munged: [regexp source, replacement] pairs)
window.takeOffer = async (sdp, munge) => {
  await window.init();
  await pc.setRemoteDescription({ type: 'offer', sdp });
  const answer = await pc.createAnswer();
  for (const [re, to] of munge || []) answer.sdp = answer.sdp.replace(new RegExp(re, 'g'), to);
  await pc.setLocalDescription(answer);
  await gathered();
  return pc.localDescription.sdp;
};
// a re-offer in the same session (what a re-INVITE, or the offer of an SDP-less one, carries);
// with a direction (sendonly, recvonly, sendrecv) for hold and resume
window.reoffer = async (direction) => {
  if (direction) pc.getTransceivers().forEach((t) => { t.direction = direction; });
  await pc.setLocalDescription(await pc.createOffer());
  return pc.localDescription.sdp;
};
window.stats = async () => {
  const out = { ice: pc.iceConnectionState, connection: pc.connectionState };
  (await pc.getStats()).forEach((r) => {
    if (r.type === 'transport') {
      out.dtls = r.dtlsState; out.srtpCipher = r.srtpCipher; out.dtlsRole = r.dtlsRole;
      out.remoteCertificateId = r.remoteCertificateId; out.transportId = r.id;
    }
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
window.dtmf = (tones, duration, gap) => {
  const sender = pc.getSenders().find((x) => x.track && x.track.kind === 'audio');
  sender.dtmf.insertDTMF(tones, duration || 120, gap || 80);
};
</script></body></html>`;

// PEERS.md: fake devices sending the tone once, loopback ICE candidates, autoplay
const chromiumFlags = (wav) => [
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  `--use-file-for-fake-audio-capture=${wav}%noloop`, '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required', '--mute-audio', '--disable-background-networking', '--no-sandbox',
  '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

// Debian's Chromium with the page served on loopback: { browser, url, close() }
async function launchBrowser(nodeModules, wav) {
  const { chromium } = require(path.join(nodeModules, 'playwright-core'));
  const server = http.createServer((req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end(PAGE); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: chromiumFlags(wav) });
  return {
    browser,
    url: `http://127.0.0.1:${server.address().port}/`,
    async newPage() {
      const page = await browser.newPage();
      page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
      await page.goto(this.url);
      return page;
    },
    async close() { await browser.close().catch(() => {}); server.close(); },
  };
}

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

// the browser's transport is up and audio comes in
const browserConnected = (page) => waitFor('ICE and DTLS connected, audio received', async () => {
  const v = await page.evaluate(() => window.stats());
  return { done: ['connected', 'completed'].includes(v.ice) && v.dtls === 'connected' && v.packetsReceived > 0, value: v };
});

// the browser hears `hz` (within 2 %, above -70 dB)
const browserHears = (page, hz, timeout = 20000) => waitFor(`the browser hears ${hz} Hz`, async () => {
  const p = await page.evaluate(() => window.peak());
  return { done: Math.abs(p.hz - hz) <= hz * 0.02 && p.db > -70, value: p };
}, timeout);

const attr = (sdp, name) => (sdp.match(new RegExp(`a=${name}:(.*)`)) || [])[1];

module.exports = {
  sleep, rand, Ng, Sip, header, body, mline, attr, launchBrowser, waitFor, browserConnected, browserHears,
};
