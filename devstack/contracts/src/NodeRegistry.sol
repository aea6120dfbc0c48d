// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title NodeRegistry — the Push Nodes that make up the network, joined on chain.
/// @notice A node joins by sending `register(url)` from its node key: the sender is the node
///         id its peers expect to sign its records, so no one can register another's key.
///         The node or the registry's admin removes it. Staking comes later. Placed with
///         `anvil_setCode` like the other dev contracts, so `initialize()` stands in for a
///         constructor. The URL is bounded: every node folds these events.
contract NodeRegistry {
    uint256 public constant MAX_URL_BYTES = 256;

    bool public initialized;
    address public admin;
    mapping(address => string) public urlOf;

    event NodeRegistered(address indexed node, string url);
    event NodeRemoved(address indexed node);

    function initialize(address _admin) external returns (bool) {
        require(!initialized, "NodeRegistry::initialize: already initialized");
        initialized = true;
        admin = _admin;
        return true;
    }

    /// @notice Join, or move to a new URL (a second NodeRegistered for the same node).
    function register(string calldata _url) external {
        uint256 length = bytes(_url).length;
        require(length > 0 && length <= MAX_URL_BYTES, "NodeRegistry::register: bad url length");
        urlOf[msg.sender] = _url;
        emit NodeRegistered(msg.sender, _url);
    }

    function remove(address _node) external {
        require(msg.sender == _node || msg.sender == admin, "NodeRegistry::remove: not allowed");
        require(bytes(urlOf[_node]).length > 0, "NodeRegistry::remove: not registered");
        delete urlOf[_node];
        emit NodeRemoved(_node);
    }
}
