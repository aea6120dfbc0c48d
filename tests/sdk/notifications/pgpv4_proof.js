// Prints an SDK pgpv4 proof (restapi payloads/helpers getVerificationProof) for a direct payload:
// `node tests/sdk/notifications/pgpv4_proof.js tests/sdk > tests/unit/validator/sdk_pgpv4_proof.json`
const path = require('path');
const base = path.resolve(process.argv[2], 'node_modules');
const openpgp = require(path.join(base, 'openpgp'));
const helpers = require(path.join(base, '@pushprotocol/restapi/src/lib/payloads/helpers.js'));
(async () => {
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'rsa', rsaBits: 2048, userIDs: [{ name: 'channel' }] });
  const payload = { notification: { title: 'Héllo "pgp"', body: 'line\nbreak ✓' }, data: { acta: '', aimg: '', amsg: 'm', asub: 's', type: '3', etime: null, hidden: false, silent: false, sectiontype: null, additionalMeta: null }, recipients: 'eip155:11155111:0x70997970c51812dc3a010c7d01b50e0d17dc79c8' };
  const proof = await helpers.getVerificationProof({ senderType: 0, chainId: 11155111, notificationType: 3, identityType: 2, verifyingContract: '0x0', payload, uuid: 'u', pgpPrivateKey: privateKey });
  const identity = helpers.getPayloadIdentity({ identityType: 2, payload, notificationType: 3 });
  console.log(JSON.stringify({ publicKey, identity, proof }, null, 1));
})().catch((e) => { console.error(e); process.exit(1); });
