// What the web client hears, for the media tests (browser_media.cjs with
// Chromium, firefox_call.cjs with Firefox; page.evaluate is the same in
// playwright-core and puppeteer-core). watchCalls() hooks each new JsSIP
// session of the page's client: it notes when the call is answered (the session's
// 'accepted' event: the 200 OK arrives, or the browser sends it) and, every
// 10 ms, the dominant frequency of the remote audio track (a WebAudio
// AnalyserNode, 4096-point FFT) until the call ends. callHeard() returns
// those notes: the first frame with the expected tone (within 2 %, louder
// than MIN_DB), how many frames had it, the loudest peak seen.
'use strict';

const MIN_DB = -70;  // the tone's bin in dBFS (getFloatFrequencyData); silence reads about -140

// In the page: from now on, watches every new session of the client's UA for a tone of `hz`;
// window.toneWatch holds the notes of the latest one.
function watchCallsInPage({ hz, minDb }) {
  const watch = (s) => {
    const rec = {
      callId: s._request ? s._request.call_id : '', answeredAt: null, firstToneAt: null, frames: 0, toneFrames: 0,
      peakHz: 0, peakDb: -200, ended: false, audioContext: '',
    };
    window.toneWatch = rec;
    s.on('accepted', () => { rec.answeredAt = performance.now(); });
    let ctx = null;
    let analyser = null;
    let bins = null;
    let timer = null;
    const stop = () => {
      rec.ended = true;
      clearInterval(timer);
      if (ctx) ctx.close().catch(() => {});
    };
    timer = setInterval(() => {
      const pc = s.connection;
      if (!pc) return;
      if (!analyser) {
        const receiver = pc.getReceivers().find((r) => r.track && r.track.kind === 'audio');
        if (!receiver) return;
        ctx = new AudioContext();
        ctx.resume().catch(() => {});
        analyser = ctx.createAnalyser();
        analyser.fftSize = 4096;
        analyser.smoothingTimeConstant = 0;
        ctx.createMediaStreamSource(new MediaStream([receiver.track])).connect(analyser);
        bins = new Float32Array(analyser.frequencyBinCount);
      }
      rec.audioContext = ctx.state;
      analyser.getFloatFrequencyData(bins);
      let best = 1;
      for (let i = 2; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
      const peakHz = (best * ctx.sampleRate) / analyser.fftSize;
      rec.frames += 1;
      if (bins[best] > rec.peakDb) { rec.peakDb = bins[best]; rec.peakHz = peakHz; }
      if (Math.abs(peakHz - hz) <= hz * 0.02 && bins[best] > minDb) {
        rec.toneFrames += 1;
        rec.lastToneHz = peakHz;
        rec.lastToneDb = bins[best];
        if (rec.firstToneAt === null) rec.firstToneAt = performance.now();
      }
    }, 10);
    s.on('ended', stop);
    s.on('failed', stop);
  };
  window.imsboxClient.ua.on('newRTCSession', (e) => watch(e.session));
}

// Watches the page's calls from now on (call it once, before the first call).
async function watchCalls(page, hz) {
  await page.evaluate(watchCallsInPage, { hz, minDb: MIN_DB });
}

// The notes of the page's latest call (its Call-ID in callId).
async function callHeard(page) {
  return page.evaluate(() => ({ ...window.toneWatch }));
}

// Waits (polling) until the page has heard `hz` in at least `frames` frames since the call
// was answered; returns the notes with answerToToneMs. Throws with the notes after `timeoutMs`.
async function waitForTone(page, what, hz, { frames = 25, timeoutMs = 15000 } = {}) {
  const t0 = Date.now();
  let rec;
  for (;;) {
    rec = await callHeard(page);
    if (rec.toneFrames >= frames && rec.answeredAt !== null) break;
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`${what}: the browser did not hear ${hz} Hz within ${timeoutMs} ms: ${JSON.stringify(rec)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  rec.answerToToneMs = Math.round(rec.firstToneAt - rec.answeredAt);
  return rec;
}

module.exports = { watchCalls, callHeard, waitForTone, MIN_DB };
