"""Wait until every topic of pushnode_shared.protocol.topics.CATALOGUE exists on KAFKA_BOOTSTRAP."""

import asyncio

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from pushnode_shared.infra.settings import SharedSettings
from pushnode_shared.protocol.topics import CATALOGUE


async def missing_topics(bootstrap: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="pushnode-init")
    try:
        await admin.start()
        present = set(await admin.list_topics())
    except (KafkaError, OSError) as exc:
        return [f"(no answer from Kafka at {bootstrap}: {exc!r})"]
    finally:
        await admin.close()
    return [t.name for t in CATALOGUE if t.name not in present]


async def main() -> None:
    bootstrap = SharedSettings().kafka_bootstrap
    while missing := await missing_topics(bootstrap):
        print("waiting for topics:", ", ".join(missing), flush=True)
        await asyncio.sleep(5)
    print("every topic is present", flush=True)


asyncio.run(main())
