// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title PushToken — dev-stack stand-in for the PUSH ERC-20 (18 decimals).
/// @notice Placed at a fixed address with `anvil_setCode` (runtime bytecode only, empty
///         storage), so it has no constructor and no immutables; `initialize()` runs once.
///         `mint` is open to anyone: this is a test token, never deploy it anywhere real.
contract PushToken {
    string public constant name = "Ethereum Push Notification Service";
    string public constant symbol = "PUSH";
    uint8 public constant decimals = 18;

    bool public initialized;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 amount);
    event Approval(address indexed owner, address indexed spender, uint256 amount);

    function initialize() external returns (bool) {
        require(!initialized, "PushToken::initialize: already initialized");
        initialized = true;
        return true;
    }

    /// @notice Test faucet: anyone may mint any amount to anyone.
    function mint(address _to, uint256 _amount) external returns (bool) {
        require(_to != address(0), "PushToken::mint: zero address");
        totalSupply += _amount;
        balanceOf[_to] += _amount;
        emit Transfer(address(0), _to, _amount);
        return true;
    }

    function transfer(address _to, uint256 _amount) external returns (bool) {
        _transfer(msg.sender, _to, _amount);
        return true;
    }

    function approve(address _spender, uint256 _amount) external returns (bool) {
        allowance[msg.sender][_spender] = _amount;
        emit Approval(msg.sender, _spender, _amount);
        return true;
    }

    function transferFrom(address _from, address _to, uint256 _amount) external returns (bool) {
        uint256 allowed = allowance[_from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= _amount, "PushToken::transferFrom: insufficient allowance");
            allowance[_from][msg.sender] = allowed - _amount;
        }
        _transfer(_from, _to, _amount);
        return true;
    }

    function _transfer(address _from, address _to, uint256 _amount) private {
        require(_to != address(0), "PushToken::transfer: zero address");
        uint256 bal = balanceOf[_from];
        require(bal >= _amount, "PushToken::transfer: insufficient balance");
        balanceOf[_from] = bal - _amount;
        balanceOf[_to] += _amount;
        emit Transfer(_from, _to, _amount);
    }
}
