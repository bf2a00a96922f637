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
const fs = require('node:fs');
const { parseArgs } = require('node:util');
const {
  sleep, rand, Ng, Sip, header, body, attr, launchBrowser, browserConnected, browserHears,
} = require('./rig.cjs');

const { values: args } = parseArgs({
  options: {
    'node-modules': { type: 'string' }, 'ng-port': { type: 'string' }, 'phone-port': { type: 'string' },
    'sip-port': { type: 'string' }, wav: { type: 'string' }, 'expect-hz': { type: 'string' },
    seconds: { type: 'string' }, out: { type: 'string' }, label: { type: 'string' },
  },
});
const PHONE_PORT = Number(args['phone-port']);
const SIP_PORT = Number(args['sip-port']);
const EXPECT_HZ = Number(args['expect-hz'] || 2000);
const SECONDS = Number(args.seconds || 6);
const LABEL = args.label || 'call';

const ok = (what) => console.log(`ok: ${LABEL}: ${what}`);
const ng = new Ng(Number(args['ng-port']));
const sip = new Sip(SIP_PORT, PHONE_PORT);
const ngCommand = (dict) => ng.command(dict);
const sipSend = (text) => sip.send(text);
const sipWait = (pred, timeoutMs) => sip.wait(pred, timeoutMs);

async function main() {
  await sip.bind();
  const browser = await launchBrowser(args['node-modules'], args.wav);
  const result = { label: LABEL };
  try {
    const page = await browser.newPage();
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
    const s = await browserConnected(page);
    ok(`browser ICE ${s.ice}, DTLS ${s.dtls}, SRTP ${s.srtpCipher}, receiving ${s.codec} ${Date.now() - t200} ms after the answer`);
    result.codec = s.codec;
    const heard = await browserHears(page, EXPECT_HZ);
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
    await browser.close();
    sip.close();
    ng.close();
    if (args.out) fs.writeFileSync(args.out, JSON.stringify(result, null, 1));
  }
}

main().then(() => process.exit(0), (e) => {
  console.log(`FAIL: ${LABEL}: ${e.message}`);
  process.exit(1);
});
