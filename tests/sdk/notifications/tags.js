// The official SDK's channel discovery calls (env 'local') against a running pushnode.
//
// Input (env PUSHNODE_SDK_INPUT, JSON): {channel, tag, subscriber} — a channel whose uploaded
// metadata carries `tag`, and a wallet subscribed to it.
// Output: one line `RESULT {...}` with what each SDK call returned.
'use strict';

const PushAPI = require('@pushprotocol/restapi');

const ENV = 'local';
const CHAIN_ID = 11155111;
const input = JSON.parse(process.env.PUSHNODE_SDK_INPUT || '{}');
const caip = (address) => `eip155:${CHAIN_ID}:${address}`;
const addresses = (answer) => (answer && answer.channels ? answer.channels : answer || [])
  .map((c) => c.channel.toLowerCase());

async function main() {
  const { channels } = PushAPI;
  const result = {
    tags: await channels.getTags({ channel: caip(input.channel), env: ENV }),
    allUser: await channels.getAllTags({ filter: 'USER', order: 'asc', limit: 50, env: ENV }),
    allPush: await channels.getAllTags({ env: ENV }),
    searchTags: addresses(await channels.searchTags({ query: input.tag, env: ENV })),
    listByTag: addresses(await channels.getChannels({ tag: input.tag, env: ENV })),
    listVerified: addresses(await channels.getChannels({ filter: 'verified', limit: 50, env: ENV })),
    listSubscribed: addresses(
      await channels.getChannels({ user_subscribed: caip(input.subscriber), env: ENV }),
    ),
    searchByTag: addresses(
      await channels.search({ query: input.channel.slice(0, 10), tag: input.tag, env: ENV }),
    ),
    // raw: false, as a dapp showing settings calls it: the SDK parses channel_settings.
    details: await channels.getChannel({ channel: caip(input.channel), env: ENV, raw: false }),
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
