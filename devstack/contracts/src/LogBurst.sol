// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Test and bench only, never placed by deploy.py: emits many Comm-shaped `Subscribe` logs in
/// one transaction, so a test (or the backfill bench) can put 100,000 real logs on anvil in a
/// handful of blocks. A listener configured with this contract's address as `comm` decodes
/// them exactly like the real ones (same signature, same topic0).
contract LogBurst {
    event Subscribe(address indexed channel, address indexed user);

    /// Emits `count` Subscribe(channel, user) logs, users firstUser, firstUser+1, ...
    function burst(address channel, uint256 firstUser, uint256 count) external {
        for (uint256 i = 0; i < count; i++) {
            emit Subscribe(channel, address(uint160(firstUser + i)));
        }
    }
}
