"""Push Chat: routes, rules, projection, PGP checks and tables (moves to the validator later)."""
