"""Run the gateway: `python -m pushnode_gateway` (same as `pushnode run gateway`)."""

from pushnode_shared.cli import main

raise SystemExit(main(["run", "gateway"]))
