// Push Chat through the official SDK (@pushprotocol/restapi, env 'local') against a running
// pushnode. Prints one JSON line of observations (prefixed RESULT) for tests/e2e to check.
// Wallet keys come from CHAT_KEYS (comma-separated hex private keys: alice, bob) or are random.
'use strict';
const { ethers } = require('ethers');
const axios = require('axios');
const openpgp = require('openpgp');
const { PushAPI, CONSTANTS } = require('@pushprotocol/restapi');
const { createSocketConnection } = require('@pushprotocol/socket');

const ENV = CONSTANTS.ENV.LOCAL;
const API = 'http://localhost:4000/apis';
const keys = (process.env.CHAT_KEYS || '').split(',').filter(Boolean);
const wallet = (i) => (keys[i] ? new ethers.Wallet(keys[i]) : ethers.Wallet.createRandom());
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every failed SDK call leaves the node's answer here: status and {error: {reason}}.
const failures = [];
axios.interceptors.response.use(undefined, (err) => {
  if (err.response) failures.push({ status: err.response.status, body: err.response.data });
  return Promise.reject(err);
});
let tamper = null; // (config) => config, for one request at a time
axios.interceptors.request.use((config) => (tamper ? tamper(config) : config));

async function refusal(label, action) {
  const before = failures.length;
  try {
    await action();
    return { label, refused: false };
  } catch (_) {
    const got = failures[before] || {};
    return { label, refused: true, status: got.status, reason: got.body && got.body.error && got.body.error.reason };
  } finally {
    tamper = null;
  }
}

async function forgedSignature() {
  const { privateKey } = await openpgp.generateKey({ type: 'rsa', rsaBits: 2048, userIDs: [{ name: 'mallory' }] });
  const signingKeys = await openpgp.readPrivateKey({ armoredKey: privateKey });
  return async (text) =>
    openpgp.sign({ message: await openpgp.createMessage({ text }), signingKeys, detached: true });
}

async function main() {
  const [wa, wb, wc, wd] = [wallet(0), wallet(1), ethers.Wallet.createRandom(), ethers.Wallet.createRandom()];
  const out = { alice: `eip155:${wa.address}`, bob: `eip155:${wb.address}`, carol: `eip155:${wc.address}` };
  const alice = await PushAPI.initialize(wa, { env: ENV });
  const bob = await PushAPI.initialize(wb, { env: ENV });

  const events = [];
  const socket = createSocketConnection({ user: wb.address, socketType: 'chat', env: ENV });
  socket.on('CHATS', (data) => events.push(data));
  await new Promise((resolve, reject) => {
    socket.on('connect', resolve);
    socket.on('connect_error', reject);
  });

  const request = await alice.chat.send(wb.address, { type: 'Text', content: 'hello bob' });
  out.request = { cid: request.cid, link: request.link, encType: request.encType };
  const requests = await bob.chat.list('REQUESTS');
  out.bobRequests = requests.map((r) => ({ did: r.did, content: r.msg && r.msg.messageContent }));
  await bob.chat.accept(wa.address);
  const reply = await bob.chat.send(wa.address, { type: 'Text', content: 'hi alice' });
  const third = await alice.chat.send(wb.address, { type: 'Text', content: 'how are you?' });
  out.links = [request.link, reply.link === request.cid, third.link === reply.cid];
  const history = (api, peer) =>
    api.chat.history(peer, { limit: 10 }).then((ms) => ms.map((m) => ({ from: m.fromDID, content: m.messageContent, encType: m.encType })));
  out.aliceHistory = await history(alice, wb.address);
  out.bobHistory = await history(bob, wa.address);
  out.aliceChats = (await alice.chat.list('CHATS')).map((c) => c.did);

  // Chat info (GET /v1/chat/{recipient}/address/{account}), and a send addressed by chatId.
  const info = await alice.chat.info(wb.address);
  out.info = { group: info.meta.group, list: info.list, recipient: info.recipient };
  const byChatId = await alice.chat.send(info.chatId, { type: 'Text', content: 'by chat id' });
  out.byChatId = { to: byChatId.toDID, linksToThird: byChatId.link === third.cid };

  // Carol has never used Push: the SDK makes her a stub profile and sends plaintext.
  const plain = await alice.chat.send(wc.address, { type: 'Text', content: 'hello carol' });
  const carolRequests = (await axios.get(`${API}/v1/chat/users/eip155:${wc.address}/requests`)).data.requests;
  out.carol = { encType: plain.encType, requestMsg: carolRequests.map((r) => r.msg.messageObj) };

  // Refusals, each with the node's reason.
  const sign = await forgedSignature();
  out.refusals = [];
  out.refusals.push(
    await refusal('forged PGP signature', async () => {
      const forged = await sign('anything');
      tamper = (config) => {
        if (config.url.endsWith('/v1/chat/message')) config.data = { ...config.data, verificationProof: `pgpv3:${forged}` };
        return config;
      };
      await alice.chat.send(wb.address, { type: 'Text', content: 'forged' });
    }),
  );
  const dave = await PushAPI.initialize(wd, { env: ENV });
  out.refusals.push(
    await refusal('message from a non-participant', async () => {
      tamper = (config) => {
        if (config.url.endsWith('/v1/chat/request')) config.url = config.url.replace('/v1/chat/request', '/v1/chat/message');
        return config;
      };
      await dave.chat.send(wb.address, { type: 'Text', content: 'let me in' });
    }),
  );
  await dave.chat.send(wb.address, { type: 'Text', content: 'hi bob, dave here' });
  out.refusals.push(await refusal('accept by the wrong party', () => dave.chat.accept(wb.address)));
  out.refusals.push(
    await refusal('oversized message', () => alice.chat.send(wb.address, { type: 'Text', content: 'x'.repeat(600000) })),
  );

  for (let i = 0; i < 50 && events.length < 4; i++) await sleep(100);
  out.bobSocket = events.map((e) => ({ category: e.messageCategory, from: e.fromDID, cid: e.cid || null }));
  socket.disconnect();
  console.log('RESULT ' + JSON.stringify(out));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
