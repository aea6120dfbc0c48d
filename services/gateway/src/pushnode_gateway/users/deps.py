"""Dependencies of the profile routes: the PGP verifier (app.state.pgp in tests, else pgpy)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from pushnode_gateway.users.adapters.pgp import PgpyVerifier, SignatureVerifier

_DEFAULT_VERIFIER = PgpyVerifier()


def _verifier(request: Request) -> SignatureVerifier:
    return getattr(request.app.state, "pgp", None) or _DEFAULT_VERIFIER


VerifierDep = Annotated[SignatureVerifier, Depends(_verifier)]
