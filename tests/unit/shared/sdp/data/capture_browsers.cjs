// Captures real SDP offers and answers from Debian's headless Chromium
// (playwright-core) and firefox-esr (puppeteer-core, WebDriver BiDi) into
// this folder: what tests/unit/shared/sdp and the sdp_parser fuzz corpus
// parse. Not run by the tests; rerun by hand to refresh the captures:
//
//   node capture_browsers.cjs --node-modules build/web-client-npm/node_modules --out DIR
//
// Each file is RTCPeerConnection.localDescription.sdp after ICE gathering
// finished (so it carries the browser's candidates), byte for byte.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { parseArgs } = require('node:util');

const { values: args } = parseArgs({ options: { 'node-modules': { type: 'string' }, out: { type: 'string' } } });
const { chromium } = require(path.join(args['node-modules'], 'playwright-core'));
const puppeteer = require(path.join(args['node-modules'], 'puppeteer-core'));

// The page: helpers the driver calls with page.evaluate.
const PAGE = `<!doctype html><title>sdp capture</title><script>
const pcs = [];
function gathered(pc) {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
    setTimeout(resolve, 5000);
  });
}
async function makePc(kind) {
  const pc = new RTCPeerConnection();
  pcs.push(pc);
  if (kind.includes('mic')) {
    const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: kind.includes('cam') });
    for (const t of s.getTracks()) pc.addTrack(t, s);
  } else {
    pc.addTransceiver('audio');
    if (kind.includes('video')) pc.addTransceiver('video');
  }
  if (kind.includes('data')) pc.createDataChannel('chat');
  return pc;
}
window.offer = async (kind) => {
  const pc = await makePc(kind);
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  return { id: pcs.length - 1, sdp: pc.localDescription.sdp };
};
window.answer = async (kind, remote) => {
  const pc = await makePc(kind);
  await pc.setRemoteDescription({ type: 'offer', sdp: remote });
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  return pc.localDescription.sdp;
};
window.accept = async (id, remote) => { await pcs[id].setRemoteDescription({ type: 'answer', sdp: remote }); return 'ok'; };
</script>`;

const CHROMIUM_FLAGS = [
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection',
  '--disable-background-networking', '--no-sandbox', '--disable-gpu', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

function save(name, sdp) {
  fs.writeFileSync(path.join(args.out, name), sdp);
  console.log(`saved ${name} (${sdp.length} bytes)`);
}

(async () => {
  const server = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(PAGE); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://localhost:${server.address().port}/`;

  const chrome = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS });
  const cpage = await chrome.newPage();
  await cpage.goto(url);
  const ff = await puppeteer.launch({
    browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true,
    extraPrefsFirefox: { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true },
  });
  const fpage = await ff.newPage();
  await fpage.goto(url);

  const chromeVersion = chrome.version();
  const ffVersion = await ff.version();
  console.log(`chromium ${chromeVersion}, firefox ${ffVersion}`);

  // Chromium: audio from the (fake) microphone; a recvonly-style transceiver
  // without getUserMedia (mDNS .local host candidates); audio+video+data.
  const cMic = await cpage.evaluate(() => window.offer('mic'));
  save('chromium_offer_audio.sdp', cMic.sdp);
  save('chromium_offer_transceiver.sdp', (await cpage.evaluate(() => window.offer('transceiver'))).sdp);
  save('chromium_offer_audio_video_data.sdp', (await cpage.evaluate(() => window.offer('mic cam data'))).sdp);

  // Firefox: audio from its fake microphone, and audio+video+data.
  const fMic = await fpage.evaluate(() => window.offer('mic'));
  save('firefox_offer_audio.sdp', fMic.sdp);
  save('firefox_offer_audio_video_data.sdp', (await fpage.evaluate(() => window.offer('mic cam data'))).sdp);

  // Each answers the other's audio offer.
  const cAnswer = await cpage.evaluate((o) => window.answer('mic', o), fMic.sdp);
  save('chromium_answer_to_firefox.sdp', cAnswer);
  const fAnswer = await fpage.evaluate((o) => window.answer('mic', o), cMic.sdp);
  save('firefox_answer_to_chromium.sdp', fAnswer);
  // the offerers accept the answers: both browsers took the other's SDP
  await fpage.evaluate((id, a) => window.accept(id, a), fMic.id, cAnswer);
  await cpage.evaluate(({ id, a }) => window.accept(id, a), { id: cMic.id, a: fAnswer });

  fs.writeFileSync(path.join(args.out, 'browsers.version'), `chromium ${chromeVersion}\nfirefox ${ffVersion}\n`);
  await chrome.close();
  await ff.close();
  server.close();
})().catch((e) => { console.error(`FAIL: ${e.stack || e}`); process.exit(1); });
