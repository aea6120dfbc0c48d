"""Run the validator: `python -m pushnode_validator` (same as `pushnode run validator`)."""

from pushnode_shared.cli import main

raise SystemExit(main(["run", "validator"]))
