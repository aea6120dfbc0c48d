"""The three-node network tests; a package so the shared network stops when they end."""

# pytest scopes a "package" fixture to a directory only when it is a package: without this
# file the network fixture (conftest.py) lived until the session ended, its node 1 holding
# ports 4100-4199 (where devstack/bin/node puts replica 1) and its fifteen services loading
# the machine through every later e2e test.
