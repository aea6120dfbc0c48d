"""Run the listener: `python -m pushnode_listener` (same as `pushnode run listener`)."""

from pushnode_shared.cli import main

raise SystemExit(main(["run", "listener"]))
