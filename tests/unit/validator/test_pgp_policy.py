"""The validator's PGP adapter, the node's one key policy: openpgp.js signatures verify with
pgpy, the key policy holds (expiry at the input's log time), and the `cryptography` pin still
carries the CFB mode pgpy encrypts with."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from pushnode_validator.adapters.pgp import key_problem, verify
from pushnode_validator.domain.ratelimit import micros
from tests.support.chat import new_pgp_key, pgp_sign

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pgpy
    from pgpy.constants import HashAlgorithm, KeyFlags, PubKeyAlgorithm

HERE = Path(__file__).parent
SDK_SIGNED = HERE.parent / "chat" / "openpgpjs_signature.json"
VALIDATOR_PYPROJECT = HERE.parents[2] / "services" / "validator" / "pyproject.toml"
NOW = micros(datetime(2026, 6, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def sdk_signed() -> dict[str, str]:
    return dict(json.loads(SDK_SIGNED.read_text()))


def test_a_signature_made_by_the_sdks_openpgp_verifies(sdk_signed: dict[str, str]) -> None:
    key, text, signature = sdk_signed["publicKey"], sdk_signed["text"], sdk_signed["signature"]
    assert verify(key, text, signature)
    assert not verify(key, text + "0", signature)


def test_a_signature_by_another_key_does_not_verify(sdk_signed: dict[str, str]) -> None:
    other = new_pgp_key()
    forged = pgp_sign(other, sdk_signed["text"])
    assert not verify(sdk_signed["publicKey"], sdk_signed["text"], forged)
    assert verify(str(other.pubkey), sdk_signed["text"], forged)


def test_garbage_never_verifies(sdk_signed: dict[str, str]) -> None:
    assert not verify(sdk_signed["publicKey"], "x", "not a signature")
    assert not verify("not a key", "x", sdk_signed["signature"])


def test_secret_keys_short_rsa_keys_and_expired_keys_are_refused() -> None:
    assert "secret key" in str(key_problem(str(new_pgp_key()), NOW))
    assert "1024 bits" in str(key_problem(str(new_pgp_key(1024).pubkey), NOW))
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
    assert key_problem(str(old.pubkey), NOW) == "key expired"
    assert key_problem(str(old.pubkey), micros(datetime(2020, 1, 1, 12, tzinfo=UTC))) is None


def test_the_installed_cryptography_is_inside_the_validators_pin() -> None:
    pins = [
        Requirement(line.strip().strip('",'))
        for line in VALIDATOR_PYPROJECT.read_text().splitlines()
        if line.strip().startswith('"cryptography')
    ]
    assert pins, "services/validator/pyproject.toml must pin cryptography"
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
