// What the SDK scripts here share: named checks, polling, and a wallet's notification socket.
'use strict';

const { createSocketConnection, EVENTS } = require('@pushprotocol/socket');

const ENV = 'local';
const CHAIN_ID = 11155111;
const caip = (address) => `eip155:${CHAIN_ID}:${address}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const checks = [];

function check(name, ok, detail) {
  checks.push({ name, ok: Boolean(ok), detail: detail === undefined ? null : detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : ` — ${JSON.stringify(detail)}`}`);
}

async function eventually(what, probe, ms = 30000) {
  // Poll until probe() returns something truthy; the last value is returned either way.
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await probe();
    } catch (err) {
      last = undefined;
    }
    if (last) return last;
    if (Date.now() > deadline) return last;
    await sleep(300);
  }
}

async function guarded(name, fn) {
  // One failing step is recorded as a failed check; the others still run and report.
  try {
    await fn();
  } catch (err) {
    check(name, false, String((err && err.message) || err));
  }
}

function socketFor(wallet) {
  const seen = { inbox: [], spam: [], connected: false };
  const socket = createSocketConnection({
    user: caip(wallet.address),
    env: ENV,
    socketOptions: { autoConnect: false, reconnectionAttempts: 3 },
  });
  socket.on(EVENTS.CONNECT, () => (seen.connected = true));
  socket.on(EVENTS.USER_FEEDS, (feed) => seen.inbox.push(feed));
  socket.on(EVENTS.USER_SPAM_FEEDS, (feed) => seen.spam.push(feed));
  socket.connect();
  return { socket, seen };
}

module.exports = { ENV, CHAIN_ID, caip, sleep, checks, check, eventually, guarded, socketFor };
