"""Configuration fails loudly: unknown keys are refused at start, naming the key."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from pushnode_dispatcher.config import Settings as DispatcherSettings
from pushnode_gateway.config import Settings as GatewaySettings
from pushnode_listener.config import Settings as ListenerSettings
from pushnode_shared.infra.settings import SharedSettings
from pushnode_shared.protocol.chain_presets import PRESETS
from pushnode_shared.protocol.chains import ChainConfig
from pushnode_shared.protocol.topics import CATALOGUE, CHAIN_CURSORS, PROTOCOL_INPUTS
from pushnode_storage.config import Settings as StorageSettings
from pushnode_validator.config import Settings as ValidatorSettings

EVERY_SERVICE = [
    GatewaySettings,
    ListenerSettings,
    ValidatorSettings,
    StorageSettings,
    DispatcherSettings,
]


@pytest.mark.parametrize("settings", EVERY_SERVICE)
def test_a_misspelt_prefixed_variable_is_refused_naming_it(
    settings: type[SharedSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = str(settings.model_config.get("env_prefix"))
    monkeypatch.setenv(f"{prefix}HTTP_PROT", "4999")
    with pytest.raises(ValidationError, match=f"unknown setting {prefix}HTTP_PROT"):
        settings()


@pytest.mark.parametrize("settings", EVERY_SERVICE)
def test_an_unknown_keyword_is_refused(settings: type[SharedSettings]) -> None:
    with pytest.raises(ValidationError, match="http_prot"):
        settings(http_prot=4999)  # type: ignore[call-arg]


def test_kubernetes_service_links_are_not_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_PORT", "tcp://10.0.0.7:4000")
    monkeypatch.setenv("GATEWAY_PORT_4000_TCP_ADDR", "10.0.0.7")
    monkeypatch.setenv("GATEWAY_SERVICE_HOST", "10.0.0.7")
    monkeypatch.setenv("GATEWAY_SERVICE_PORT_HTTP", "4000")
    monkeypatch.setenv("GATEWAY_METRICS_SERVICE_HOST", "10.0.0.8")
    assert GatewaySettings().http_port == 4000


def test_a_misspelt_chain_key_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    chain = {"chain_id": 1, "rpc_url": "http://rpc", "comm": "0x1", "startBlock": 17_000_000}
    monkeypatch.setenv("PUSHNODE_CHAINS", json.dumps([chain]))
    with pytest.raises(ValidationError, match="startBlock"):
        ListenerSettings()


def test_confirmations_zero_is_refused_outside_the_dev_stack(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chain = {"chain_id": 1, "rpc_url": "http://rpc", "comm": "0x1"}
    monkeypatch.setenv("PUSHNODE_CHAINS", json.dumps([chain]))
    monkeypatch.delenv("PUSHNODE_DEV", raising=False)
    with pytest.raises(ValidationError, match="chain 1 has confirmations 0"):
        ListenerSettings()
    monkeypatch.setenv("PUSHNODE_DEV", "1")
    assert ListenerSettings().chains[0].confirmations == 0


def test_a_preset_fills_contracts_start_and_depth_and_keys_beside_it_override() -> None:
    chain = ChainConfig.model_validate(
        {"preset": "ethereum", "rpc_url": "https://rpc", "start_block": 19_000_000}
    )
    assert (chain.chain_id, chain.core, chain.confirmations) == (
        1,
        "0x66329Fdd4042928BfCAB60b179e1538D56eeeeeE",
        65,
    )
    assert chain.start_block == 19_000_000


def test_an_unknown_preset_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(ValidationError, match=r"unknown chain preset 'etherium'.*ethereum"):
        ChainConfig.model_validate({"preset": "etherium", "rpc_url": "https://rpc"})


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_is_a_valid_chain_deep_enough_to_start_outside_the_dev_stack(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUSHNODE_CHAINS", json.dumps([{"preset": name, "rpc_url": "https://x"}]))
    (chain,) = ListenerSettings().chains
    assert chain.confirmations >= 30
    assert chain.comm.startswith("0x") and len(chain.comm) == 42


def test_keyed_topics_get_twelve_partitions_unless_configured_and_single_ones_stay_single(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert SharedSettings().topic_partitions == 12
    monkeypatch.setenv("PUSHNODE_TOPIC_PARTITIONS", "24")
    configured = SharedSettings().topic_partitions
    assert PROTOCOL_INPUTS.partitions_for(configured) == 24
    assert CHAIN_CURSORS.partitions_for(configured) == 1
    assert {t.partitions for t in CATALOGUE} == {1, 12}


def test_a_service_reads_its_own_database_url_before_the_shared_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://pushnode@db/pushnode")
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "postgresql+asyncpg://gateway@db/pushnode")
    assert GatewaySettings().db_url() == "postgresql+asyncpg://gateway@db/pushnode"
    assert DispatcherSettings().db_url() == "postgresql+asyncpg://pushnode@db/pushnode"


def test_one_database_url_still_serves_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://pushnode@db/pushnode")
    assert {s().db_url() for s in EVERY_SERVICE} == {"postgresql+asyncpg://pushnode@db/pushnode"}


def test_a_keyword_database_url_wins_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STORAGE_DATABASE_URL", "postgresql+asyncpg://storage@db/pushnode")
    chosen = StorageSettings(DATABASE_URL="postgresql+asyncpg://other@db/x")  # type: ignore[call-arg]
    assert chosen.db_url() == "postgresql+asyncpg://other@db/x"


def test_each_process_of_a_service_has_its_own_stable_consumer_instance_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PUSHNODE_INSTANCE_ID", raising=False)
    first = ValidatorSettings().consumer_instance_id()
    again = ValidatorSettings().consumer_instance_id()
    replica = ValidatorSettings(http_port=4112).consumer_instance_id()
    assert first == again
    assert first is not None and first.startswith("validator@")
    assert replica not in (None, first)


def test_the_consumer_instance_id_is_configurable_and_can_be_turned_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PUSHNODE_INSTANCE_ID", "validator-0")
    named = ValidatorSettings().consumer_instance_id()
    monkeypatch.setenv("PUSHNODE_INSTANCE_ID", "")
    assert (named, ValidatorSettings().consumer_instance_id()) == ("validator-0", None)
