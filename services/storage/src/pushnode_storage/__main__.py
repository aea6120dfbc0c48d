"""Run the storage service: `python -m pushnode_storage` (same as `pushnode run storage`)."""

from pushnode_shared.cli import main

raise SystemExit(main(["run", "storage"]))
