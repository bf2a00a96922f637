// Headless Firefox for the web client's tests (firefox_call.cjs,
// browser_media.cjs --browser firefox): Debian's firefox-esr driven over
// WebDriver BiDi by npm puppeteer-core, with a fake microphone (Firefox's
// own 1 kHz tone), no permission prompt, loopback ICE candidates without
// mDNS names, audio that may start without a user gesture.
'use strict';
const path = require('node:path');

const PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.audio.fake_frequency': 1000,
  'media.navigator.permission.disabled': true,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  'media.autoplay.block-webaudio': false,
};

function launchFirefox(nodeModules) {
  const puppeteer = require(path.join(nodeModules, 'puppeteer-core'));
  return puppeteer.launch({
    browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, acceptInsecureCerts: true,
    extraPrefsFirefox: PREFS,
  });
}

module.exports = { launchFirefox, FIREFOX_FAKE_HZ: PREFS['media.navigator.audio.fake_frequency'] };
