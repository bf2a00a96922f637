// The phone side of media_flows (flows.cjs): Debian's baresip, remote-controlled
// over its ctrl_tcp module (netstring JSON: hold, resume, accept, sndcode,
// answermode), and what it heard, read from its sndfile dumps while the call
// goes on: the decoded audio after a mark, checked by our media-tool for a tone.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { sleep, waitFor } = require('../agw/rig.cjs');

class Baresip {
  constructor({ ctrlPort, dumpDir, mediaTool, log }) {
    this.ctrlPort = ctrlPort;
    this.dumpDir = dumpDir;
    this.mediaTool = mediaTool;
    this.log = log;  // baresip's stdout, for the digits it received
  }

  // one ctrl_tcp command; resolves with baresip's response dictionary
  command(command, params = '') {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.ctrlPort, '127.0.0.1');
      const token = `t${Date.now()}`;
      const json = JSON.stringify({ command, params, token });
      let buf = '';
      const timer = setTimeout(() => { sock.destroy(); reject(new Error(`baresip ${command}: no response`)); }, 5000);
      sock.on('connect', () => sock.write(`${Buffer.byteLength(json)}:${json},`));
      sock.on('data', (d) => {
        buf += d.toString();
        // netstrings: LEN:JSON, ... ; events come too, the response carries our token
        for (;;) {
          const colon = buf.indexOf(':');
          if (colon < 0) return;
          const len = Number(buf.slice(0, colon));
          if (buf.length < colon + 1 + len + 1) return;
          const msg = JSON.parse(buf.slice(colon + 1, colon + 1 + len));
          buf = buf.slice(colon + 1 + len + 1);
          if (msg.response && msg.token === token) {
            clearTimeout(timer);
            sock.end();
            if (!msg.ok) reject(new Error(`baresip ${command} ${params}: ${msg.data}`));
            else resolve(msg);
            return;
          }
        }
      });
      sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    });
  }

  // the newest decoded-audio dump (one per call), and how far it has been written
  dump() {
    const files = fs.readdirSync(this.dumpDir).filter((f) => f.endsWith('-dec.wav'))
      .map((f) => path.join(this.dumpDir, f))
      .sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs);
    return files.length ? files[files.length - 1] : null;
  }

  // a mark: what has been heard so far in the current call's dump
  mark() {
    const file = this.dump();
    return { file, size: file ? fs.statSync(file).size : 0, files: fs.readdirSync(this.dumpDir).length };
  }

  // the audio written after `mark` (a new call's dump counts from its start) as a WAV
  // of its own; null while nothing new
  audioSince(mark, out) {
    const file = this.dump();
    if (!file) return null;
    const data = fs.readFileSync(file);
    let off = 12;
    let fmt = null;
    let dataStart = -1;
    while (off + 8 <= data.length) {
      const id = data.toString('ascii', off, off + 4);
      const size = data.readUInt32LE(off + 4);
      if (id === 'fmt ') fmt = data.subarray(off, off + 8 + size);
      if (id === 'data') { dataStart = off + 8; break; }
      off += 8 + size + (size & 1);
    }
    if (!fmt || dataStart < 0) return null;
    const blockAlign = fmt.readUInt16LE(8 + 12);
    let from = file === mark.file ? Math.max(mark.size, dataStart) : dataStart;
    from = dataStart + Math.ceil((from - dataStart) / blockAlign) * blockAlign;
    const samples = data.subarray(from, dataStart + Math.floor((data.length - dataStart) / blockAlign) * blockAlign);
    if (samples.length === 0) return null;
    const dataHeader = Buffer.alloc(8);
    dataHeader.write('data', 0, 'ascii');
    dataHeader.writeUInt32LE(samples.length, 4);
    const riff = Buffer.alloc(12);
    riff.write('RIFF', 0, 'ascii');
    riff.writeUInt32LE(4 + fmt.length + 8 + samples.length, 4);
    riff.write('WAVE', 8, 'ascii');
    fs.writeFileSync(out, Buffer.concat([riff, fmt, dataHeader, samples]));
    return out;
  }

  // baresip hears `hz` in what it decoded after `mark`: at least `windows` 100 ms windows
  // of the tone (media-tool detect: frequency within 2 %, level above -40 dBFS)
  hears(mark, hz, out, { windows = 10, timeout = 15000 } = {}) {
    return waitFor(`baresip hears ${hz} Hz`, async () => {
      const wav = this.audioSince(mark, out);
      if (!wav) return { done: false, value: 'nothing decoded since the mark' };
      try {
        const text = execFileSync(this.mediaTool, ['detect', wav, '--freq', String(hz), '--min-windows', String(windows)],
          { encoding: 'utf8' });
        return { done: true, value: text.trim() };
      } catch (e) {
        return { done: false, value: `${e.stdout || e.message}`.trim() };
      }
    }, timeout);
  }

  // the RFC 4733 digits baresip logged since `from` (a length of its log)
  digits(from = 0) {
    const text = fs.readFileSync(this.log, 'utf8').slice(from).replace(/\x1b\[[0-9;]*m/g, '');
    return [...text.matchAll(/received event: '(.)'/g)].map((m) => m[1]);
  }
  logLength() { return fs.readFileSync(this.log, 'utf8').length; }

  async sendDigits(digits, gapMs = 300) {
    for (const d of digits) {
      await this.command('sndcode', d);
      await sleep(gapMs);
    }
  }
}

module.exports = { Baresip };
