"""Writes a throwaway Google-style service-account JSON for the FCM emulator."""

from __future__ import annotations

import argparse
import json
import secrets
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_PROJECT_ID = "pushnode-dev"


def make_service_account(
    path: str | Path, token_uri: str, project_id: str = DEFAULT_PROJECT_ID
) -> Path:
    """Generate an RSA-2048 key and write a service-account JSON to `path`.

    The key is made fresh each call and is good only against the emulator; real
    credentials never live in the repo.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info: dict[str, Any] = {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": secrets.token_hex(20),
        "private_key": pem,
        "client_email": f"pushnode-dispatcher@{project_id}.iam.gserviceaccount.com",
        "client_id": str(secrets.randbelow(10**21)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "universe_domain": "googleapis.com",
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(info, indent=2) + "\n")
    # The file holds a private key, so only the owner may read it.
    target.chmod(0o600)
    return target


def main(argv: list[str] | None = None) -> None:
    """CLI: `python devstack/emulators/service_account.py var/fcm/sa.json --token-uri ...`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--token-uri", default="http://127.0.0.1:4020/token")
    parser.add_argument("--project-id", default=DEFAULT_PROJECT_ID)
    args = parser.parse_args(argv)
    written = make_service_account(args.path, args.token_uri, args.project_id)
    print(written)


if __name__ == "__main__":
    main()
