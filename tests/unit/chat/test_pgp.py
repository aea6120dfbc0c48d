"""The PGP port: openpgp.js signatures verify with pgpy, the key policy holds, and the
`cryptography` pin still carries the CFB mode pgpy encrypts with."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from pushnode_gateway.users.adapters.pgp import BadKey, PgpyVerifier
from tests.support.chat import new_pgp_key, pgp_sign

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pgpy
    from pgpy.constants import HashAlgorithm, KeyFlags, PubKeyAlgorithm

HERE = Path(__file__).parent
GATEWAY_PYPROJECT = HERE.parents[2] / "services" / "gateway" / "pyproject.toml"


@pytest.fixture(scope="module")
def sdk_signed() -> dict[str, str]:
    return dict(json.loads((HERE / "openpgpjs_signature.json").read_text()))


def test_a_signature_made_by_the_sdks_openpgp_verifies(sdk_signed: dict[str, str]) -> None:
    verifier = PgpyVerifier()
    key, text, signature = sdk_signed["publicKey"], sdk_signed["text"], sdk_signed["signature"]
    assert verifier.verify(key, text, signature)
    assert not verifier.verify(key, text + "0", signature)


def test_a_signature_by_another_key_does_not_verify(sdk_signed: dict[str, str]) -> None:
    other = new_pgp_key()
    forged = pgp_sign(other, sdk_signed["text"])
    assert not PgpyVerifier().verify(sdk_signed["publicKey"], sdk_signed["text"], forged)
    assert PgpyVerifier().verify(str(other.pubkey), sdk_signed["text"], forged)


def test_garbage_never_verifies(sdk_signed: dict[str, str]) -> None:
    assert not PgpyVerifier().verify(sdk_signed["publicKey"], "x", "not a signature")
    assert not PgpyVerifier().verify("not a key", "x", sdk_signed["signature"])


def test_secret_keys_short_rsa_keys_and_expired_keys_are_refused() -> None:
    verifier = PgpyVerifier()
    secret = new_pgp_key()
    with pytest.raises(BadKey, match="secret key"):
        verifier.check_key(str(secret))
    with pytest.raises(BadKey, match="1024 bits"):
        verifier.check_key(str(new_pgp_key(1024).pubkey))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old = pgpy.PGPKey.new(
            PubKeyAlgorithm.RSAEncryptOrSign, 2048, created=datetime(2020, 1, 1, tzinfo=UTC)
        )
        old.add_uid(
            pgpy.PGPUID.new("old"),
            usage={KeyFlags.Sign},
            hashes=[HashAlgorithm.SHA256],
            key_expiration=timedelta(days=1),
        )
    with pytest.raises(BadKey, match="expired"):
        verifier.check_key(str(old.pubkey))


def test_the_installed_cryptography_is_inside_the_gateways_pin() -> None:
    pins = [
        Requirement(line.strip().strip('",'))
        for line in GATEWAY_PYPROJECT.read_text().splitlines()
        if line.strip().startswith('"cryptography')
    ]
    assert pins, "services/gateway/pyproject.toml must pin cryptography"
    assert version("cryptography") in pins[0].specifier


def test_the_pinned_cryptography_still_has_the_cfb_mode_pgpy_encrypts_with() -> None:
    from cryptography.hazmat.primitives.ciphers import modes

    key = new_pgp_key()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert hasattr(modes, "CFB"), "cryptography removed CFB: pgpy can no longer encrypt"
        sealed = key.pubkey.encrypt(pgpy.PGPMessage.new("secret"))
        opened = key.decrypt(sealed)
    assert opened.message == "secret"
    assert any("CFB" in str(w.message) for w in caught), "CFB use no longer warns: re-check pin"
