// The imsbox browser client: JsSIP over WSS to the P-CSCF that served this
// page (the WWSF, TS 23.228 Annex U), SIP digest (MD5, the only one JsSIP
// does) with the IMPU and password, WebRTC audio.
//
// State is shown in data-* attributes that the integration test reads:
// body[data-reg-state], body[data-call-state], #error[data-error].
import * as JsSIP from 'jssip';

const $ = (id) => document.getElementById(id);
const LOG_KEY = 'imsbox.callLog';
const SETTINGS_KEY = 'imsbox.settings';
const LOG_MAX = 100;

let ua = null;
let session = null;     // the current call (one at a time)
let entry = null;       // its call-log entry
let timer = null;
let signedIn = false;   // until "Sign out": JsSIP reconnects on its own meanwhile
let wantStop = false;

// ---- state, errors ----
function setRegState(state, text) {
  document.body.dataset.regState = state;
  $('reg-status').dataset.state = state;
  $('reg-status').textContent = text;
}

function setCallState(state, text) {
  document.body.dataset.callState = state;
  $('call').dataset.state = state;
  $('call').hidden = state === 'idle' || state === 'ringing';
  $('incoming').hidden = state !== 'ringing';
  $('incoming').dataset.state = state === 'ringing' ? 'ringing' : 'idle';
  $('call-status').textContent = text;
  $('btn-call').disabled = state !== 'idle' || document.body.dataset.regState !== 'registered';
  for (const id of ['btn-mute', 'btn-hold']) $(id).disabled = state !== 'connected';
}

function showError(code, text) {
  $('error').dataset.error = code;
  $('error').textContent = text;
  $('error').hidden = false;
}

function clearError(code) {
  if (code && $('error').dataset.error !== code) return;
  $('error').dataset.error = '';
  $('error').textContent = '';
  $('error').hidden = true;
}

// ---- identities ----
// "bob" -> sip:bob@<my domain>; "+1555..." -> tel:; sip:/tel: URIs as typed.
function targetUri(input, domain) {
  const t = input.trim();
  if (/^(sips?|tel):/i.test(t)) return t;
  if (/^\+[0-9]+$/.test(t)) return `tel:${t}`;
  return t.includes('@') ? `sip:${t}` : `sip:${t}@${domain}`;
}

function parseImpu(impu) {
  const m = /^sips?:([^@;]+)@([^;>?]+)/i.exec(impu.trim());
  return m ? { user: m[1], domain: m[2] } : null;
}

function peerName(s) {
  const id = s.remote_identity;
  return id ? id.uri.toString() : '?';
}

// ---- registration ----
function registrationError(e) {
  const r = e.response;
  const status = r ? r.status_code : 0;
  const reason = r ? r.reason_phrase : e.cause;
  if (e.cause === JsSIP.C.causes.CONNECTION_ERROR || e.cause === JsSIP.C.causes.REQUEST_TIMEOUT) {
    return ['network-down', `Network down: no answer from ${$('wss-url').value} (${e.cause}); retrying`];
  }
  if (status === 403 && /unknown/i.test(reason)) return ['user-unknown', `Unknown user ${$('impu').value} (403 ${reason})`];
  if (status === 404) return ['user-unknown', `Unknown user ${$('impu').value} (404 ${reason})`];
  if (status === 403 || status === 401 || e.cause === JsSIP.C.causes.AUTHENTICATION_ERROR) {
    return ['wrong-password', `Wrong password for ${$('impu').value}${status ? ` (${status} ${reason})` : ''}`];
  }
  return ['registration-failed', `Registration failed: ${status ? `${status} ${reason}` : e.cause}`];
}

function signIn(ev) {
  ev.preventDefault();
  clearError();
  const impu = $('impu').value.trim();
  const id = parseImpu(impu);
  if (!id) return showError('bad-impu', 'The IMPU must be a SIP URI such as sip:alice@example.org');
  const impi = $('impi').value.trim() || `${id.user}@${id.domain}`;
  const url = $('wss-url').value.trim();
  localStorage.setItem(SETTINGS_KEY, JSON.stringify({ impu, impi: $('impi').value.trim() }));
  try {
    ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(url)],
      uri: impu,
      password: $('password').value,
      // the IMPI as the digest username; the bare user name would do too
      // (README "Registering a UE")
      authorization_user: impi,
      register: true,
      register_expires: 600,
      user_agent: 'imsbox-web-client JsSIP/' + JsSIP.version,
      connection_recovery_min_interval: 2,
      connection_recovery_max_interval: 30,
      session_timers: false,
    });
  } catch (err) {
    return showError('bad-config', `Cannot start: ${err.message || err}`);
  }
  ua.on('connecting', () => { if (document.body.dataset.regState !== 'reconnecting') setRegState('connecting', `Connecting to ${url}…`); });
  ua.on('connected', () => { clearError('network-down'); setRegState('registering', 'Registering…'); });
  ua.on('disconnected', (e) => {
    if (wantStop) return;
    setRegState('reconnecting', 'Disconnected, reconnecting…');
    showError('network-down', `Network down: lost the connection to ${url}${e && e.reason ? ` (${e.reason})` : ''}; reconnecting automatically`);
  });
  ua.on('registered', () => {
    clearError('network-down');
    if (['wrong-password', 'user-unknown', 'registration-failed'].includes($('error').dataset.error)) clearError();
    setRegState('registered', `Registered as ${impu}`);
    setCallState(document.body.dataset.callState, $('call-status').textContent);
  });
  ua.on('unregistered', () => { if (!wantStop) setRegState('registering', 'Not registered'); });
  ua.on('registrationFailed', (e) => {
    const [code, text] = registrationError(e);
    showError(code, text);
    if (code === 'network-down') {
      setRegState('reconnecting', 'Not registered, retrying…');
    } else {
      // a wrong password will not get better by itself: stop, let the user retry
      setRegState('failed', 'Not registered');
      stopUa();
      showSignIn();
    }
  });
  ua.on('newRTCSession', (e) => onNewSession(e.session, e.originator));
  ua.on('newMessage', () => {});
  wantStop = false;
  signedIn = true;
  $('me').textContent = impu;
  $('login').hidden = true;
  $('phone').hidden = false;
  setRegState('connecting', `Connecting to ${url}…`);
  setCallState('idle', 'Idle');
  ua.start();
}

function stopUa() {
  wantStop = true;
  if (ua) ua.stop();
  ua = null;
}

function showSignIn() {
  signedIn = false;
  $('login').hidden = false;
  $('phone').hidden = true;
}

function signOut() {
  if (session) session.terminate();
  stopUa();
  showSignIn();
  setRegState('signed-out', 'Signed out');
  clearError();
}

// ---- calls ----
const mediaOptions = {
  mediaConstraints: { audio: true, video: false },
  pcConfig: { iceServers: [] },  // the AGW or the peer is reachable directly; no STUN servers to wait for
  rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
};

function attachMedia(pc) {
  pc.addEventListener('track', (ev) => {
    const audio = $('remote-audio');
    audio.srcObject = ev.streams[0] || new MediaStream([ev.track]);
    audio.play().catch(() => {});  // autoplay may wait for a user gesture
  });
}

function callFailure(e) {
  const status = e.message && e.message.status_code;
  const C = JsSIP.C.causes;
  switch (e.cause) {
    case C.BUSY: return ['callee-busy', 'Callee busy'];
    case C.NOT_FOUND: return ['callee-unknown', 'No such user'];
    case C.UNAVAILABLE: return ['callee-unavailable', 'The callee is not reachable (not registered)'];
    case C.REJECTED: return ['call-rejected', `Call rejected${status ? ` (${status})` : ''}`];
    case C.NO_ANSWER: return ['no-answer', 'No answer'];
    case C.USER_DENIED_MEDIA_ACCESS: return ['no-microphone', 'No access to the microphone'];
    case C.CONNECTION_ERROR: case C.REQUEST_TIMEOUT: return ['network-down', `Network down (${e.cause})`];
    case C.CANCELED: return [null, 'Cancelled'];
    default: return ['call-failed', `Call failed: ${e.cause}${status ? ` (${status} ${e.message.reason_phrase})` : ''}`];
  }
}

function onNewSession(s, originator) {
  if (session) {  // one call at a time: a second caller hears busy
    if (originator === 'remote') s.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
    return;
  }
  session = s;
  entry = { direction: originator === 'remote' ? 'in' : 'out', peer: peerName(s), start: Date.now(), result: 'failed' };
  $('call-peer').textContent = entry.peer;
  $('call').dataset.confirmed = 'false';
  if (s.connection) attachMedia(s.connection);
  s.on('peerconnection', (e) => attachMedia(e.peerconnection));
  s.on('progress', () => { if (originator === 'local') setCallState('calling', 'Ringing…'); });
  s.on('accepted', () => {
    entry.result = 'answered';
    entry.answered = Date.now();
    setCallState('connected', 'In call with');
    startTimer();
  });
  s.on('confirmed', () => { $('call').dataset.confirmed = 'true'; });
  s.on('hold', () => { $('btn-hold').setAttribute('aria-pressed', 'true'); $('call-status').textContent = 'On hold with'; });
  s.on('unhold', () => { $('btn-hold').setAttribute('aria-pressed', 'false'); $('call-status').textContent = 'In call with'; });
  s.on('muted', () => $('btn-mute').setAttribute('aria-pressed', 'true'));
  s.on('unmuted', () => $('btn-mute').setAttribute('aria-pressed', 'false'));
  s.on('ended', (e) => endCall(`Call ended (${e.originator === 'local' ? 'you hung up' : 'remote hung up'})`));
  s.on('failed', (e) => {
    if (originator === 'remote' && e.cause === JsSIP.C.causes.CANCELED) entry.result = 'missed';
    if (originator === 'local' && e.cause === JsSIP.C.causes.BUSY) entry.result = 'busy';
    const [code, text] = callFailure(e);
    if (code && !(originator === 'remote' && e.originator === 'local')) showError(code, text);
    endCall(text);
  });
  if (originator === 'remote') {
    $('incoming-from').textContent = entry.peer;
    setCallState('ringing', 'Incoming call');
    document.title = `Call from ${entry.peer}`;
    ring(true);
  } else {
    setCallState('calling', 'Calling');
  }
}

function endCall(text) {
  ring(false);
  document.title = 'imsbox phone';
  stopTimer();
  if (entry) {
    entry.end = Date.now();
    addToLog(entry);
  }
  session = null;
  entry = null;
  $('btn-mute').setAttribute('aria-pressed', 'false');
  $('btn-hold').setAttribute('aria-pressed', 'false');
  $('dtmf-sent').textContent = '';
  $('remote-audio').srcObject = null;
  setCallState('idle', text);
}

function call(ev) {
  ev.preventDefault();
  if (!ua || session) return;
  const t = $('target').value.trim();
  if (!t) return;
  clearError();
  try {
    ua.call(targetUri(t, parseImpu($('impu').value).domain), mediaOptions);
  } catch (err) {
    showError('call-failed', `Cannot call: ${err.message || err}`);
  }
}

function answer() {
  if (session && document.body.dataset.callState === 'ringing') {
    ring(false);
    session.answer(mediaOptions);
    setCallState('calling', 'Answering');
  }
}

function reject() {
  if (!session) return;
  entry.result = 'rejected';
  session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
}

function hangup() {
  if (session) session.terminate();
}

function toggleMute() {
  if (!session) return;
  if (session.isMuted().audio) session.unmute({ audio: true }); else session.mute({ audio: true });
}

function toggleHold() {
  if (!session) return;
  if (session.isOnHold().local) session.unhold(); else session.hold();
}

// RFC 4733 telephone-events through the RTCRtpSender's DTMF sender.
function sendDtmf(key) {
  const pc = session && session.connection;
  const sender = pc && pc.getSenders().find((x) => x.track && x.track.kind === 'audio');
  if (!sender || !sender.dtmf || !sender.dtmf.canInsertDTMF) return false;
  sender.dtmf.insertDTMF(key, 100, 70);
  $('dtmf-sent').textContent += key;
  return true;
}

function onKey(ev) {
  const key = ev.target.dataset.key;
  if (!key) return;
  if (document.body.dataset.callState === 'connected') sendDtmf(key);
  else $('target').value += key;
}

// ---- incoming call alert: a two-tone ring while it rings ----
let ringer = null;
function ring(on) {
  if (ringer) { clearInterval(ringer.interval); ringer.ctx.close().catch(() => {}); ringer = null; }
  if (!on) return;
  try {
    const ctx = new AudioContext();
    const beep = () => {
      for (const [f, t] of [[440, 0], [480, 0]]) {
        const o = ctx.createOscillator();
        const g = ctx.createGain();
        g.gain.value = 0.05;
        o.frequency.value = f;
        o.connect(g).connect(ctx.destination);
        o.start(ctx.currentTime + t);
        o.stop(ctx.currentTime + t + 1);
      }
    };
    beep();
    ringer = { ctx, interval: setInterval(beep, 3000) };
  } catch { /* no audio output: the visual alert stays */ }
}

function startTimer() {
  const t0 = Date.now();
  stopTimer();
  timer = setInterval(() => {
    const s = Math.floor((Date.now() - t0) / 1000);
    $('call-timer').textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  }, 1000);
}

function stopTimer() {
  if (timer) clearInterval(timer);
  timer = null;
  $('call-timer').textContent = '';
}

// ---- call log (localStorage) ----
function readLog() {
  try { return JSON.parse(localStorage.getItem(LOG_KEY)) || []; } catch { return []; }
}

function addToLog(e) {
  const log = [e, ...readLog()].slice(0, LOG_MAX);
  localStorage.setItem(LOG_KEY, JSON.stringify(log));
  renderLog();
}

function renderLog() {
  const ol = $('call-log');
  ol.replaceChildren(...readLog().map((e) => {
    const li = document.createElement('li');
    li.dataset.result = e.result;
    li.dataset.direction = e.direction;
    const secs = e.answered ? Math.round((e.end - e.answered) / 1000) : 0;
    li.textContent = `${e.direction === 'in' ? '←' : '→'} ${e.peer} · ${new Date(e.start).toLocaleString()} · ` +
      (e.result === 'answered' ? `${secs} s` : e.result);
    return li;
  }));
}

// ---- wiring ----
function init() {
  JsSIP.debug.disable('JsSIP:*');
  const saved = (() => { try { return JSON.parse(localStorage.getItem(SETTINGS_KEY)) || {}; } catch { return {}; } })();
  $('impu').value = saved.impu || '';
  $('impi').value = saved.impi || '';
  // the P-CSCF that served this page is the one to register with
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  $('wss-url').value = `${scheme}://${location.host}`;
  $('login').addEventListener('submit', signIn);
  $('btn-sign-out').addEventListener('click', signOut);
  $('dial').addEventListener('submit', call);
  $('dialpad').addEventListener('click', onKey);
  $('btn-answer').addEventListener('click', answer);
  $('btn-reject').addEventListener('click', reject);
  $('btn-hangup').addEventListener('click', hangup);
  $('btn-mute').addEventListener('click', toggleMute);
  $('btn-hold').addEventListener('click', toggleHold);
  $('btn-clear-log').addEventListener('click', () => { localStorage.removeItem(LOG_KEY); renderLog(); });
  window.addEventListener('offline', () => { if (signedIn) showError('network-down', 'Network down: this computer is offline; reconnecting automatically'); });
  renderLog();
  setCallState('idle', 'Idle');
}

// For the integration test and for debugging from the console.
window.imsboxClient = {
  get ua() { return ua; },
  get session() { return session; },
  peerConnection: () => (session ? session.connection : null),
  sendDtmf,
};

init();
