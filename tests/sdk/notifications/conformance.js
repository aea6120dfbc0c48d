// The official Push SDKs (env 'local') against a running pushnode: notifications end to end.
//
// Input (env PUSHNODE_SDK_INPUT, JSON): {channelKey, delegateKey, channelName?} — the private
// key of a channel already created on the local Sepolia-like chain, of a wallet it added as a
// delegate on Comm, and the name in its metadata.
// Output: one line per check, then a line `RESULT {"checks": [...], "unserved": [...]}`.
// `unserved` lists every SDK request the node answered as an unknown route (404/405 without a
// pushnode reason), so a missing endpoint is named rather than hidden behind the SDK's habit of
// logging errors and returning undefined. Exit code 0 only when every check passed.
'use strict';

const axios = require('axios');
const { ethers } = require('ethers');
const PushAPI = require('@pushprotocol/restapi');

const input = JSON.parse(process.env.PUSHNODE_SDK_INPUT || '{}');
const { ENV, caip, checks, check, eventually, guarded, socketFor } = require('./harness');
const requests = [];

// Every SDK call goes through the default axios instance: record what the node answered.
axios.interceptors.response.use(
  (response) => {
    requests.push(describe(response.config, response.status, response.data));
    return response;
  },
  (error) => {
    const { config, response } = error;
    if (config) requests.push(describe(config, response ? response.status : 0, response && response.data));
    return Promise.reject(error);
  },
);

function describe(config, status, data) {
  const reason = data && data.error && data.error.reason;
  return { method: config.method.toUpperCase(), url: config.url, status, reason };
}

function unserved() {
  // A route pushnode does not have: 404/405 with no pushnode reason, or its NO_ROUTE reason.
  return requests
    .filter((r) => (r.status === 404 || r.status === 405) && (!r.reason || r.reason === 'NO_ROUTE'))
    .map((r) => `${r.method} ${new URL(r.url).pathname}`);
}

function send(signer, channel, type, title, recipients) {
  return PushAPI.payloads.sendNotification({
    signer,
    type,
    identityType: 2,
    notification: { title, body: `${title} body` },
    payload: { title, body: `${title} message`, cta: 'https://push.org', img: '' },
    recipients,
    channel,
    env: ENV,
  });
}

const titlesOf = (feeds) => (feeds || []).map((f) => f.title);
const hasAll = (feeds, titles) => titles.every((t) => titlesOf(feeds).includes(t));

async function main() {
  const channelSigner = new ethers.Wallet(input.channelKey);
  const delegateSigner = new ethers.Wallet(input.delegateKey);
  const channel = caip(channelSigner.address);
  // alice opts in with subscribeV2 (what PushAPI.initialize uses), carol with the legacy v1
  // call; bob never subscribes, so targeted and subset sends to him land in his spam box.
  const [alice, bob, carol] = [0, 1, 2].map(() => ethers.Wallet.createRandom());
  const tag = Date.now().toString(36);
  const title = { broadcast: `broadcast ${tag}`, targeted: `targeted ${tag}`, subset: `subset ${tag}`, after: `after opt-out ${tag}`, delegated: `delegated ${tag}`, minimal: `minimal ${tag}` };

  await guarded('getChannel', async () => {
    const details = await PushAPI.channels.getChannel({ channel, env: ENV });
    check('getChannel returns the channel', details && details.channel === channelSigner.address, details);
    if (input.channelName) check('getChannel carries the metadata name', details.name === input.channelName, details.name);
  });

  const sockets = { alice: socketFor(alice), bob: socketFor(bob) };
  const connected = await eventually('sockets', async () => sockets.alice.seen.connected && sockets.bob.seen.connected, 10000);
  check('notification sockets connect', connected, { alice: sockets.alice.seen.connected, bob: sockets.bob.seen.connected });

  await guarded('opt in', async () => {
    const v2 = await PushAPI.channels.subscribeV2({ signer: alice, channelAddress: channel, userAddress: caip(alice.address), env: ENV });
    check('subscribeV2 (alice) is accepted', v2.status === 204 || v2.status === 200, v2);
    const v1 = await PushAPI.channels.subscribe({ signer: carol, channelAddress: channel, userAddress: caip(carol.address), env: ENV });
    check('subscribe v1 (carol) is accepted', v1.status === 'success', v1);
    const subscribed = await eventually('subscribers', async () => {
      const page = await PushAPI.channels.getSubscribers({ channel, page: 1, limit: 30, env: ENV });
      const list = ((page && page.subscribers) || []).map((s) => s.subscriber.toLowerCase());
      return list.includes(alice.address.toLowerCase()) && list.includes(carol.address.toLowerCase()) && page;
    });
    check('getSubscribers lists both opted-in wallets', subscribed, subscribed);
    check('getSubscribers counts them (itemcount)', subscribed && subscribed.itemcount >= 2, subscribed && subscribed.itemcount);
    const legacy = await PushAPI.channels._getSubscribers({ channel, env: ENV });
    check('_getSubscribers (legacy) lists both', (legacy || []).includes(alice.address) && (legacy || []).includes(carol.address), legacy);
    const subs = await PushAPI.user.getSubscriptions({ user: caip(alice.address), env: ENV });
    check('getSubscriptions (alice) names the channel', (subs || []).some((s) => s.channel.toLowerCase() === channelSigner.address.toLowerCase()), subs);
  });

  await guarded('delegates', async () => {
    const delegates = await PushAPI.channels.getDelegates({ channel, env: ENV });
    check('getDelegates lists the delegate', (delegates || []).includes(caip(delegateSigner.address)), delegates);
    const delegations = await PushAPI.user.getDelegations({ user: caip(delegateSigner.address), env: ENV });
    check('getDelegations (delegate) names the channel', (delegations || []).some((d) => d.channel === channelSigner.address), delegations);
  });

  await guarded('send', async () => {
    const answers = [
      await send(channelSigner, channel, 1, title.broadcast),
      await send(channelSigner, channel, 3, title.targeted, caip(alice.address)),
      await send(channelSigner, channel, 4, title.subset, [caip(alice.address), caip(bob.address)]),
      await send(delegateSigner, channel, 3, title.delegated, caip(alice.address)),
      await PushAPI.payloads.sendNotification({
        signer: channelSigner,
        type: 3,
        identityType: 0,
        notification: { title: title.minimal, body: 'minimal body' },
        payload: { title: title.minimal, body: 'minimal body', cta: '', img: '' },
        recipients: caip(alice.address),
        channel,
        env: ENV,
      }),
    ];
    check('sendNotification broadcast, targeted, subset, by a delegate and minimal (identity 0) are accepted', answers.every((a) => a.status === 204 || a.status === 200), answers.map((a) => a.status));
  });

  await guarded('feeds', async () => {
    const wanted = [title.broadcast, title.targeted, title.subset];
    const inbox = await eventually('alice inbox', async () => {
      const feeds = await PushAPI.user.getFeeds({ user: caip(alice.address), env: ENV, limit: 20 });
      return hasAll(feeds, wanted) && feeds;
    });
    check('getFeeds: alice has broadcast, targeted and subset in her inbox', inbox, titlesOf(inbox));
    const extra = await eventually('delegated and minimal', async () => {
      const feeds = await PushAPI.user.getFeeds({ user: caip(alice.address), env: ENV, limit: 20 });
      const notes = (feeds || []).map((f) => f.notification && f.notification.title);
      return titlesOf(feeds).includes(title.delegated) && notes.includes(title.minimal) && feeds;
    });
    check('getFeeds: a delegate\'s send and a minimal (identity 0) send reach alice', extra, extra && extra.map((f) => f.notification.title));
    const item = (inbox || []).find((f) => f.title === title.targeted);
    check('getFeeds items are parsed by the SDK (message, cta, sid, blockchain)', item && item.message === `${title.targeted} message` && item.cta === 'https://push.org' && item.sid && item.blockchain === 'ETH_TEST_SEPOLIA', item);
    const carolInbox = await eventually('carol inbox', async () => {
      const feeds = await PushAPI.user.getFeeds({ user: caip(carol.address), env: ENV });
      return hasAll(feeds, [title.broadcast]) && feeds;
    });
    check('getFeeds: the broadcast reaches carol too', carolInbox, titlesOf(carolInbox));
    const bobSpam = await eventually('bob spam', async () => {
      const feeds = await PushAPI.user.getFeeds({ user: caip(bob.address), env: ENV, spam: true });
      return hasAll(feeds, [title.subset]) && feeds;
    });
    check('getFeeds spam: the subset lands in unsubscribed bob\'s spam box', bobSpam, titlesOf(bobSpam));
    const bobInbox = await PushAPI.user.getFeeds({ user: caip(bob.address), env: ENV });
    check('getFeeds: bob\'s inbox is empty', Array.isArray(bobInbox) && bobInbox.length === 0, bobInbox);
    const raw = await PushAPI.user.getFeeds({ user: caip(alice.address), env: ENV, raw: true, limit: 1 });
    check('getFeeds raw: newest first, one per page', Array.isArray(raw) && raw.length === 1 && raw[0].payload.notification.title === title.minimal, raw);
    const perChannel = await PushAPI.user.getFeedsPerChannel({ user: caip(alice.address), channels: [channel], env: ENV });
    check('getFeedsPerChannel: alice\'s feed from this channel', hasAll(perChannel, wanted), titlesOf(perChannel));
  });

  await guarded('sockets', async () => {
    const got = await eventually('socket feeds', async () => sockets.alice.seen.inbox.length >= 3 && sockets.bob.seen.spam.length >= 1, 15000);
    const inboxTitles = sockets.alice.seen.inbox.map((f) => f.payload.data.asub);
    check('socket userFeeds: alice receives all three', got && [title.broadcast, title.targeted, title.subset].every((t) => inboxTitles.includes(t)), inboxTitles);
    const spamTitles = sockets.bob.seen.spam.map((f) => f.payload.data.asub);
    check('socket userSpamFeeds: bob receives the subset', spamTitles.includes(title.subset), spamTitles);
  });

  await guarded('channel reads', async () => {
    const sent = await PushAPI.channels.getChannelNotifications({ channel, env: ENV, limit: 10 });
    const sentTitles = ((sent && sent.notifications) || []).map((n) => n.message.payload.title);
    check('getChannelNotifications lists what the channel sent', [title.broadcast, title.targeted, title.subset].every((t) => sentTitles.includes(t)) && sent.total >= 3, sent);
    const broadcastOnly = await PushAPI.channels.getChannelNotifications({ channel, env: ENV, filter: 1 });
    check('getChannelNotifications filters by type', ((broadcastOnly && broadcastOnly.notifications) || []).every((n) => n.meta.type === 'NOTIFICATION.BROADCAST') && broadcastOnly.notifications.length >= 1, broadcastOnly);
    const list = await PushAPI.channels.getChannels({ env: ENV, limit: 30 });
    check('getChannels lists the channel', list && list.channels.some((c) => c.channel === channelSigner.address), list && list.itemcount);
    const query = input.channelName || channelSigner.address;
    const found = await PushAPI.channels.search({ query, env: ENV });
    check('search finds the channel', Array.isArray(found) && found.some((c) => c.channel === channelSigner.address), found);
  });

  await guarded('opt out', async () => {
    const v2 = await PushAPI.channels.unsubscribeV2({ signer: alice, channelAddress: channel, userAddress: caip(alice.address), env: ENV });
    check('unsubscribeV2 (alice) is accepted', v2.status === 204 || v2.status === 200, v2);
    const v1 = await PushAPI.channels.unsubscribe({ signer: carol, channelAddress: channel, userAddress: caip(carol.address), env: ENV });
    check('unsubscribe v1 (carol) is accepted', v1.status === 'success', v1);
    const gone = await eventually('opt-outs', async () => {
      const page = await PushAPI.channels.getSubscribers({ channel, page: 1, limit: 30, env: ENV });
      const list = ((page && page.subscribers) || []).map((s) => s.subscriber.toLowerCase());
      return page && !list.includes(alice.address.toLowerCase()) && !list.includes(carol.address.toLowerCase());
    });
    check('getSubscribers no longer lists them', gone, null);
    await send(channelSigner, channel, 3, title.after, caip(alice.address));
    const spam = await eventually('alice spam', async () => {
      const feeds = await PushAPI.user.getFeeds({ user: caip(alice.address), env: ENV, spam: true });
      return hasAll(feeds, [title.after]) && feeds;
    });
    check('after opting out, a targeted send lands in alice\'s spam box', spam, titlesOf(spam));
  });

  await guarded('alias', async () => {
    // A channel without an alias: the node answers with its reason, not an unknown route.
    const info = await PushAPI.alias.getAliasInfo({ alias: alice.address, aliasChain: 'POLYGON', env: ENV });
    const last = requests.filter((r) => r.url.includes('/v1/alias/')).pop();
    check('getAliasInfo is served (unknown alias → 404 with a reason)', info === undefined && last && last.status === 404 && last.reason, last);
  });

  for (const { socket } of Object.values(sockets)) socket.disconnect();
}

main()
  .catch((err) => check('conformance script', false, String((err && err.stack) || err)))
  .finally(() => {
    const result = { checks, unserved: [...new Set(unserved())] };
    if (result.unserved.length) console.log(`endpoints pushnode does not serve: ${result.unserved.join(', ')}`);
    console.log(`RESULT ${JSON.stringify(result)}`);
    process.exit(checks.length && checks.every((c) => c.ok) && !result.unserved.length ? 0 : 1);
  });
