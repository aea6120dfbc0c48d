"""Run the dispatcher: `python -m pushnode_dispatcher` (same as `pushnode run dispatcher`)."""

from pushnode_shared.cli import main

raise SystemExit(main(["run", "dispatcher"]))
