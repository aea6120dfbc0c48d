"""The FCM, APNs and Web Push emulators are test and dev tooling, never part of the product:
no service or shared module imports them, and the image's build context leaves them out."""

from __future__ import annotations

import fnmatch
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_no_product_module_imports_the_emulators() -> None:
    product = [*REPO.glob("services/*/src/**/*.py"), *REPO.glob("shared/src/**/*.py")]
    assert product
    for path in product:
        text = path.read_text()
        assert "devstack" not in text and "emulators" not in text, path


def test_the_image_build_context_leaves_devstack_and_tests_out() -> None:
    rules = [r for r in (REPO / ".dockerignore").read_text().splitlines() if r and r[0] != "#"]
    included = [r[1:] for r in rules if r.startswith("!")]
    assert rules[0] == "*"  # an allow-list: everything is out unless named
    for path in ("devstack/emulators/fcm.py", "tests/e2e/test_delivery.py"):
        assert not any(fnmatch.fnmatch(path, pattern + "*") for pattern in included), path
