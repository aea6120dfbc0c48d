"""Run one of the repo's commands (a devstack script, the pushnode CLI) the way e2e tests do."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


def run_command(
    program: Path, args: Sequence[str], env: Mapping[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run it to the end, its output captured as text; a non-zero exit raises."""
    return subprocess.run(
        [str(program), *args], env=env, check=True, capture_output=True, text=True, timeout=timeout
    )
