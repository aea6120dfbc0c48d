"""Gateway settings (env prefix GATEWAY_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from pushnode_shared.infra.settings import SharedSettings


class Settings(SharedSettings):
    """HTTP/socket.io on :4000 (the SDK's env 'local'), and signature freshness."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="forbid", frozen=True)

    service_name: str = "gateway"
    http_port: int = 4000
    # A signed device registration older (or newer) than this is refused as a replay.
    signature_max_age_seconds: int = 600
    cors_origins: tuple[str, ...] = ("*",)
    # Web Push endpoints admitted at registration: the dispatcher's own settings, so both
    # apply one rule (pushnode_shared.protocol.webpush_endpoints).
    webpush_hosts: str = Field("", validation_alias="DISPATCHER_WEBPUSH_HOSTS")
    webpush_dev_origins: str = Field("", validation_alias="DISPATCHER_WEBPUSH_DEV_ORIGINS")
    # Socket serving (serving.py): per-socket deflate off by default, as socket.io's own server.
    socket_compression: bool = False
    http_backlog: int = 4096
    # kubo's RPC API, read-only here: GET /apis/v1/ipfs/{cid} serves blocks storage put.
    ipfs_api: str = Field("http://127.0.0.1:5001", validation_alias="IPFS_API")
    # The console at / and GET /apis/v1/node/status; the production overlay turns both off.
    console: bool = True
    # Where the status endpoint reads each service's /readyz (k8s: the Service names).
    status_urls: dict[str, str] = {
        "listener": "http://127.0.0.1:4011",
        "validator": "http://127.0.0.1:4012",
        "storage": "http://127.0.0.1:4013",
        "dispatcher": "http://127.0.0.1:4014",
    }
    # The node network (same variables as the listener's): peers, and this node's key file.
    peers_json: str = Field("", validation_alias="PUSHNODE_PEERS")
    # In a network with no configured peers (every peer from the NodeRegistry).
    network: bool = Field(False, validation_alias="PUSHNODE_NETWORK")
    node_key_file: Path | None = Field(None, validation_alias="PUSHNODE_NODE_KEY_FILE")
    # Dev mode (make up): the demo channel's key, for the console's "send a test notification".
    # Unset everywhere else, and then that endpoint is not mounted at all.
    console_demo_key: SecretStr | None = None

    # The public edge (edge/): limits applied before a body is parsed, in bytes.
    max_body_bytes: int = 1_048_576  # every route; Kafka's default record limit is 1 MiB
    chat_max_body_bytes: int = 524_288  # a chat write or profile, ciphertext included
    upload_max_bytes: int = 524_288  # POST /v1/ipfs/upload's data, UTF-8 encoded
    max_json_depth: int = 32  # the SDK's bodies nest ~6 deep
    # Write routes, per client IP and per sender wallet (`limits` notation, moving window).
    # A wallet's budget is spent only by writes the node accepted, so forged requests naming a
    # victim's wallet cannot exhaust it; the IP budget bounds the forger.
    rate_limit_ip: str = "120/minute;20/second"
    rate_limit_wallet: str = "60/minute"
    max_sockets_per_ip: int = 200
    # Delivery-mode sockets (liveFeeds, historicalFeeds) stream every notification with its
    # recipients: only for clients holding this token; unset, they are refused.
    delivery_socket_token: SecretStr | None = None
    # "any": the SDK's way, a DID in the query (what such a socket gets is public over REST).
    # "required": a wallet-signed, time-bounded auth in the connect query (sockets/chat_auth.py).
    chat_socket_auth: Literal["any", "required"] = "any"
