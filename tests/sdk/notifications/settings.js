// Notification settings through the official SDK (env 'local'): a channel defines them with
// `channel.setting`, wallets opt in with their choices (`notification.subscribe(…, {settings})`)
// and the channel sends by category (`channel.send(…, {payload: {category}})`).
//
// Input (env PUSHNODE_SDK_INPUT, JSON): {channelKey, rpc, aliceKey, bobKey} — a channel created
// on the local Sepolia-like chain with PUSH to pay for its settings, that chain's JSON-RPC URL,
// and the keys of two wallets (whose phones the caller registered).
// Alice keeps every category on (the slider at its default, 10); Bob switches Sales off and
// moves the slider to 12. Output: one line per check, then `RESULT {"checks": [...]}`; exit
// code 0 only when every check passed.
'use strict';

const { ethers } = require('ethers');
const { PushAPI } = require('@pushprotocol/restapi');
// PushAPI's own notification client, built as PushAPI.initialize builds it but without the
// wallet's PGP key: with one, subscribe signs the opt-in pgpv4, which pushnode does not take
// for opt-ins yet (issue 16's report); without, eip712v2 as subscribeV2 does.
const { Notification } = require('@pushprotocol/restapi/src/lib/pushNotification/notification');
const { ENV, caip, checks, check, eventually, guarded, socketFor } = require('./harness');

const input = JSON.parse(process.env.PUSHNODE_SDK_INPUT || '{}');
const SETTINGS = [
  { type: 1, default: 1, description: 'Sales' },
  { type: 2, default: 10, description: 'Price alert', data: { lower: 0, upper: 20 } },
];
const ALICE = [{ enabled: true }, { enabled: true, value: 10 }];
const BOB = [{ enabled: false }, { enabled: true, value: 12 }];

const titlesOf = (feeds) => (feeds || []).map((f) => f.title);
const socketTitles = (seen) => seen.inbox.map((f) => f.payload.data.asub);

async function main() {
  const provider = new ethers.providers.JsonRpcProvider(input.rpc);
  const owner = await PushAPI.initialize(new ethers.Wallet(input.channelKey, provider), { env: ENV });
  const channel = caip(owner.account);
  const [aliceWallet, bobWallet] = [input.aliceKey, input.bobKey].map((key) => new ethers.Wallet(key));
  const [alice, bob] = [aliceWallet, bobWallet].map((w) => ({ notification: new Notification(w, ENV, w.address) }));
  const sockets = { alice: socketFor(aliceWallet), bob: socketFor(bobWallet) };
  const tag = Date.now().toString(36);
  const title = {
    sales: `sales ${tag}`, price: `price ${tag}`, targeted: `targeted sales ${tag}`,
    subset: `subset price ${tag}`, plain: `plain ${tag}`,
  };

  await guarded('channel.setting', async () => {
    const { transactionHash } = await owner.channel.setting(SETTINGS);
    check('channel.setting sends createChannelSettings', transactionHash, transactionHash);
    const info = await eventually('channel_settings', async () => {
      const found = await owner.channel.info();
      return found && found.channel_settings && found;
    });
    check('the channel shows its settings', info, info && info.channel_settings);
  });

  await guarded('notification.subscribe with settings', async () => {
    await alice.notification.subscribe(channel, { settings: ALICE });
    await bob.notification.subscribe(channel, { settings: BOB });
    const chosen = await eventually('both subscribers with settings', async () => {
      const page = await owner.channel.subscribers({ page: 1, limit: 30 });
      const listed = ((page && page.subscribers) || []).filter((s) => s.settings);
      return listed.length >= 2 && listed;
    });
    check('both subscribers carry their settings', chosen, chosen);
    const connected = await eventually('sockets', async () => sockets.alice.seen.connected && sockets.bob.seen.connected);
    check('both sockets connect', connected, null);
  });

  await guarded('channel.send by category', async () => {
    const send = (recipients, text, category) =>
      owner.channel.send(recipients, {
        notification: { title: text, body: `${text} body` },
        payload: { title: text, body: `${text} message`, category },
      });
    await send(['*'], title.sales, 1);
    await send(['*'], title.price, 2);
    await send([caip(bobWallet.address)], title.targeted, 1);
    await send([caip(aliceWallet.address), caip(bobWallet.address)], title.subset, 2);
    await send(['*'], title.plain); // no category: every subscriber, and the last one in order
  });

  const held = [title.sales, title.price, title.targeted, title.subset];
  await guarded('feeds', async () => {
    const aliceFeed = await eventually('alice inbox', async () => {
      const feeds = await alice.notification.list('INBOX', { limit: 30 });
      return [title.sales, title.price, title.subset, title.plain].every((t) => titlesOf(feeds).includes(t)) && feeds;
    });
    check('alice, every category on, gets the sales, price and subset sends', aliceFeed, titlesOf(aliceFeed));
    // The plain send came last in the channel's order: once Bob has it, the others were judged.
    const bobFeed = await eventually('bob inbox', async () => {
      const feeds = await bob.notification.list('INBOX', { limit: 30 });
      return titlesOf(feeds).includes(title.plain) && feeds;
    });
    check('bob gets the send without a category', bobFeed, titlesOf(bobFeed));
    check('bob gets none of the categories he switched off or moved', bobFeed && held.every((t) => !titlesOf(bobFeed).includes(t)), titlesOf(bobFeed));
  });

  await guarded('sockets', async () => {
    const got = await eventually('socket feeds', async () =>
      socketTitles(sockets.alice.seen).includes(title.plain) && socketTitles(sockets.bob.seen).includes(title.plain));
    check('both sockets get the send without a category', got, { alice: socketTitles(sockets.alice.seen), bob: socketTitles(sockets.bob.seen) });
    check('alice\'s socket gets the sales and price sends', [title.sales, title.price, title.subset].every((t) => socketTitles(sockets.alice.seen).includes(t)), socketTitles(sockets.alice.seen));
    check('bob\'s socket gets none of them', held.every((t) => !socketTitles(sockets.bob.seen).includes(t)), socketTitles(sockets.bob.seen));
  });

  for (const { socket } of Object.values(sockets)) socket.disconnect();
  return { title };
}

main()
  .catch((err) => check('settings script', false, String((err && err.stack) || err)))
  .then((wallets) => {
    console.log(`RESULT ${JSON.stringify({ checks, ...(wallets || {}) })}`);
    process.exit(checks.length && checks.every((c) => c.ok) ? 0 : 1);
  });
