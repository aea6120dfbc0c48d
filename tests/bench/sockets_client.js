// The client side of the "sockets" bench: opens many socket.io connections in one Node process
// (socket.io-client from tests/sdk/node_modules, the library the Push SDK uses) and counts the
// `userFeeds` events they receive. One JSON line on stdout per milestone, read by sockets.py:
//   {"opening": n}                                                every 1,000 sockets open
//   {"opened": n, "failed": m, "seconds": s, "error": "..."}   once every connection settled
//   {"first": true}                                               when the first event arrives
//   {"received": n}                                               once every socket got one event
// It then waits for stdin to close and disconnects everything.
// Usage: node sockets_client.js <url> <per-wallet> <in-flight> <address>...
"use strict";
const { io } = require("socket.io-client");

const [url, perWalletArg, inFlightArg, ...addresses] = process.argv.slice(2);
const perWallet = Number(perWalletArg);
const inFlight = Number(inFlightArg);
const total = addresses.length * perWallet;
const sockets = [];
let received = 0;
let failed = 0;
let firstError = null;

function describe(err) {
  const cause = err && err.description;
  const detail = cause && (cause.message || cause.error || cause.type);
  return String(err && err.message) + (detail ? `: ${detail}` : "");
}

function say(line) {
  process.stdout.write(JSON.stringify(line) + "\n");
}

function openOne(address) {
  return new Promise((resolve) => {
    const socket = io(url, {
      query: { address },
      transports: ["websocket"],
      reconnection: false,
      forceNew: true, // one engine.io connection per socket, as separate browsers would have
      timeout: 60000,
    });
    socket.on("userFeeds", () => {
      received += 1;
      if (received === 1) say({ first: true });
      if (received === total) say({ received });
    });
    socket.once("connect", () => {
      sockets.push(socket);
      if (sockets.length % 1000 === 0) say({ opening: sockets.length });
      resolve();
    });
    socket.once("connect_error", (err) => {
      failed += 1;
      firstError = firstError || describe(err);
      socket.close();
      resolve();
    });
  });
}

async function main() {
  const started = process.hrtime.bigint();
  const queue = [];
  for (const a of addresses) for (let i = 0; i < perWallet; i++) queue.push(a);
  let next = 0;
  async function worker() {
    while (next < queue.length) await openOne(queue[next++]);
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  say({ opened: sockets.length, failed, seconds, error: firstError });
  process.stdin.resume();
  process.stdin.on("end", () => {
    for (const s of sockets) s.close();
    process.exit(0);
  });
}

main();
