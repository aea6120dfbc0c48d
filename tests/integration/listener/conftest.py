"""Listener integration fixtures: the dev chains, the contracts' helpers, a real producer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import ModuleType

import pytest
from web3 import Web3

from pushnode_listener.poller import PRODUCER
from pushnode_shared.infra.kafka import Producer
from tests.integration.listener.anvil import RPC, Redirected, fresh_topics
from tests.support.devchain import deploy_module


@pytest.fixture(scope="module")
def deploy() -> ModuleType:
    return deploy_module()


@pytest.fixture
def sepolia() -> Web3:
    return Web3(Web3.HTTPProvider(RPC[11155111], request_kwargs={"timeout": 30}))


@pytest.fixture
def amoy() -> Web3:
    return Web3(Web3.HTTPProvider(RPC[80002], request_kwargs={"timeout": 30}))


@pytest.fixture
async def publisher(kafka: str) -> AsyncIterator[Redirected]:
    inputs, cursors = await fresh_topics(kafka)
    producer = Producer(kafka, PRODUCER)
    await producer.start()
    yield Redirected(producer, inputs, cursors)
    await producer.stop()
