// Drives headless Chromium (Debian's /usr/bin/chromium via playwright-core)
// against webrtc-echo, whose page it loads over HTTP on loopback. Run by
// webrtc_test.sh:
//
//   node webrtc_echo.cjs --url http://127.0.0.1:PORT/ --node-modules DIR --wav FILE
//
// Sessions, all from one page and one fake microphone (a 440 Hz tone):
//   mdns   from a second Chromium without the fake media flags, whose page
//          never asks for the microphone (an oscillator instead): Chrome
//          hides its host candidates behind mDNS .local names, which the
//          tool cannot resolve
//   gcm    default offer and answer: AEAD_AES_128_GCM, audio echoed back
//   cm     the tool's DTLS server offers only AES_CM_128_HMAC_SHA1_80 (?srtp=)
//   prflx  the offer reaches the tool without its a=candidate lines
//   badfp  the offer reaches the tool with a wrong a=fingerprint: refused
//   actpass the other direction: the tool offers (a=setup:actpass), Chrome
//          answers active; the answer reaches the tool 1 s late, as over SIP,
//          so the browser's checks come before the tool knows its credentials
// then the browsers are killed (SIGKILL: no close_notify, no goodbye) and the
// tool must see consent lost on every connected session.
// Prints one "ok: ..." line per check; exits 1 with "FAIL: ..." at the first failure.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: { url: { type: 'string' }, 'node-modules': { type: 'string' }, wav: { type: 'string' } },
});
const { chromium } = require(path.join(args['node-modules'], 'playwright-core'));

const FLAGS = [
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${args.wav}`,
  '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required', '--mute-audio',
  '--disable-background-networking', '--no-sandbox', '--disable-gpu', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic',
];
const STEP_MS = 20000;

function ok(what) { console.log(`ok: ${what}`); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A 440 Hz tone, 48 kHz mono 16-bit, 3 s (Chrome loops the file).
function writeTone(file) {
  const rate = 48000, seconds = 3, n = rate * seconds;
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8); h.write('fmt ', 12);
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22); h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34); h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  fs.writeFileSync(file, Buffer.concat([h, data]));
}

async function tool(id) {
  const res = await fetch(new URL(`/session/${id}`, args.url));
  if (!res.ok) throw new Error(`GET /session/${id}: ${res.status}`);
  return res.json();
}

async function waitFor(what, fn, timeout = STEP_MS) {
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
  writeTone(args.wav);
  const server = await chromium.launchServer({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
  // --use-fake-ui-for-media-stream grants media permission, and with it Chrome
  // shows raw addresses: the mdns browser goes without the fake media flags.
  const mdnsServer = await chromium.launchServer({ executablePath: '/usr/bin/chromium', headless: true,
    args: FLAGS.filter((f) => !/fake/.test(f)) });
  try {
    const browser = await chromium.connect(server.wsEndpoint());
    const page = await browser.newPage();
    page.on('console', (m) => { if (m.type() === 'error') console.log(`[console] ${m.text()}`); });
    page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
    const res = await page.goto(args.url, { waitUntil: 'load' });
    if (!res || res.status() !== 200) throw new Error(`GET ${args.url} -> ${res && res.status()}`);

    const specs = {
      mdns: { opts: { noMicrophone: true }, cipher: 'AEAD_AES_128_GCM', browserCipher: 'SRTP_AEAD_AES_128_GCM',
        remoteType: 'prflx' },
      // cipher: our name (RFC 4568 crypto-suite); browserCipher: Chrome's getStats() srtpCipher (the DTLS-SRTP profile name)
      gcm: { opts: {}, cipher: 'AEAD_AES_128_GCM', browserCipher: 'SRTP_AEAD_AES_128_GCM', remoteType: 'host' },
      cm: { opts: { query: 'srtp=AES_CM_128_HMAC_SHA1_80' }, cipher: 'AES_CM_128_HMAC_SHA1_80',
        browserCipher: 'SRTP_AES128_CM_HMAC_SHA1_80', remoteType: 'host' },
      prflx: { opts: { stripCandidates: true }, cipher: 'AEAD_AES_128_GCM', browserCipher: 'SRTP_AEAD_AES_128_GCM',
        remoteType: 'prflx' },
      badfp: { opts: { wrongFingerprint: true } },
      actpass: { opts: { delayMs: 1000 }, answering: true, cipher: 'AEAD_AES_128_GCM',
        browserCipher: 'SRTP_AEAD_AES_128_GCM', remoteType: 'host' },
    };
    const mdnsPage = await (await chromium.connect(mdnsServer.wsEndpoint())).newPage();
    mdnsPage.on('pageerror', (e) => console.log(`[mdns page error] ${e.message}`));
    await mdnsPage.goto(args.url, { waitUntil: 'load' });
    const pageOf = (name) => (name === 'mdns' ? mdnsPage : page);
    const stats = (name) => pageOf(name).evaluate((n) => window.sessionStats(n), name);
    const ids = {};
    for (const [name, spec] of Object.entries(specs)) {
      if (spec.answering) {
        const r = await pageOf(name).evaluate(([n, o]) => window.answerSession(n, o), [name, spec.opts]);
        ids[name] = r.id;
        if (!/a=ice-lite/.test(r.offer) || !/a=setup:actpass/.test(r.offer)) throw new Error(`${name}: offer ${r.offer}`);
        if (!/a=setup:active/.test(r.answer)) throw new Error(`${name}: the browser's answer is not active: ${r.answer}`);
        continue;
      }
      const r = await pageOf(name).evaluate(([n, o]) => window.startSession(n, o), [name, spec.opts]);
      ids[name] = r.id;
      if (!/a=ice-lite/.test(r.answer) || !/a=setup:passive/.test(r.answer)) throw new Error(`${name}: answer ${r.answer}`);
      if (name === 'prflx' && r.candidates !== 0) throw new Error('prflx: the offer still has candidates');
      if (name !== 'prflx' && r.candidates === 0) throw new Error(`${name}: the browser's offer has no candidates`);
      if (name === 'mdns' && (r.mdns === 0 || r.mdns !== r.candidates))
        throw new Error(`mdns: not only mDNS candidates in the offer: ${r.offer}`);
      if (name !== 'mdns' && r.mdns !== 0) throw new Error(`${name}: mDNS candidates in the offer: ${r.offer}`);
    }
    ok(`five offers answered (ice-lite, setup:passive), one offer (actpass) answered active by Chrome: ` +
      `sessions ${JSON.stringify(ids)}; the mdns browser offered only .local candidates`);

    const media = ['gcm', 'cm', 'prflx', 'mdns', 'actpass'];
    for (const name of media) {
      const spec = specs[name];
      const s = await waitFor(`${name}: ICE and DTLS connected, audio received`, async () => {
        const v = await stats(name);
        return { done: ['connected', 'completed'].includes(v.ice) && v.dtls === 'connected' && v.packetsReceived > 0, value: v };
      });
      if (s.srtpCipher !== spec.browserCipher)
        throw new Error(`${name}: the browser's srtpCipher is ${s.srtpCipher}, not ${spec.browserCipher}`);
      if (s.dtlsRole !== 'client') throw new Error(`${name}: the browser's DTLS role is ${s.dtlsRole}, not client`);
      ok(`${name}: browser ICE ${s.ice}, DTLS ${s.dtls} as ${s.dtlsRole}, SRTP ${s.srtpCipher}`);
      const t = await tool(ids[name]);
      if (t.state !== 'connected' || t.profile !== spec.cipher) throw new Error(`${name}: tool says ${JSON.stringify(t)}`);
      if (t.ice_remote_type !== spec.remoteType) throw new Error(`${name}: tool's selected pair is ${t.ice_remote_type}, not ${spec.remoteType}`);
      ok(`${name}: tool connected with ${t.profile}, selected remote ${t.ice_remote} (${t.ice_remote_type})`);
    }

    for (const name of media) {
      const a = await stats(name);
      await sleep(1500);
      const b = await stats(name);
      if (!(b.packetsReceived > a.packetsReceived && b.bytesReceived > a.bytesReceived))
        throw new Error(`${name}: inbound audio not growing: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
      const level = await waitFor(`${name}: audioLevel of the echo above 0`, async () => {
        const v = await stats(name);
        return { done: v.audioLevel > 0.001 && v.totalAudioEnergy > 0, value: v };
      });
      const t = await tool(ids[name]);
      if (!(t.rtp_received > 0 && t.rtp_sent > 0 && t.srtp_refused === 0 && t.echo_failed === 0))
        throw new Error(`${name}: tool counters ${JSON.stringify(t)}`);
      ok(`${name}: inbound-rtp packets ${a.packetsReceived} -> ${b.packetsReceived}, bytes ${a.bytesReceived} -> ${b.bytesReceived}, ` +
        `audioLevel ${level.audioLevel.toFixed(3)}; tool unprotected ${t.rtp_received} and protected ${t.rtp_sent} packets`);
    }

    const bad = await waitFor('badfp: the tool refuses the DTLS handshake', async () => {
      const t = await tool(ids.badfp);
      return { done: t.state === 'failed', value: t };
    });
    if (bad.failure !== 'DTLS failed' || !bad.detail.startsWith('fingerprint mismatch'))
      throw new Error(`badfp: tool says ${JSON.stringify(bad)}`);
    const badBrowser = await waitFor('badfp: the browser sees DTLS fail', async () => {
      const v = await page.evaluate(() => window.sessionStats('badfp'));
      return { done: v.dtls === 'failed' || v.connection === 'failed', value: v };
    });
    if (badBrowser.packetsReceived > 0) throw new Error(`badfp: the browser received media: ${JSON.stringify(badBrowser)}`);
    ok(`badfp: refused (${bad.detail.slice(0, 60)}...); browser DTLS ${badBrowser.dtls}, connection ${badBrowser.connection}`);

    // The browsers vanish without a word: consent (RFC 7675) must run out.
    server.process().kill('SIGKILL');
    mdnsServer.process().kill('SIGKILL');
    const t0 = Date.now();
    for (const name of media) {
      const t = await waitFor(`${name}: consent lost after the browser died`, async () => {
        const v = await tool(ids[name]);
        return { done: v.state === 'failed', value: v };
      }, 30000);
      if (t.failure !== 'consent lost') throw new Error(`${name}: after the browser died: ${JSON.stringify(t)}`);
    }
    ok(`consent lost on the five sessions ${((Date.now() - t0) / 1000).toFixed(1)} s after the browsers were killed`);
  } finally {
    await Promise.all([server.close().catch(() => {}), mdnsServer.close().catch(() => {})]);
  }
}

main().then(() => process.exit(0), (e) => {
  console.log(`FAIL: ${e.message}`);
  process.exit(1);
});
