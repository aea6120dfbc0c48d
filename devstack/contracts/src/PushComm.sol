// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Minimal ERC-20 surface Comm needs (incentivized chat requests).
interface IPushCommToken {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// The part of Core that Comm calls (only where Core lives, i.e. the Ethereum-side chain).
interface IPushCoreForComm {
    function handleChatRequestData(address requestSender, address requestReceiver, uint256 amount) external;
}

/// EIP-1271 for contract-wallet signatures.
interface IERC1271Like {
    function isValidSignature(bytes32 hash, bytes memory signature) external view returns (bytes4);
}

/// @title PushComm — dev-stack re-creation of Push Comm (EPNSCommProxy -> PushCommV2).
/// @notice Deployed on every chain. Emits the real PushCommV2 events with the exact
///         signatures, typos included ("UserNotifcationSettingsAdded"), and keeps
///         AddDelegate/RemoveDelegate NOT indexed, as on mainnet.
///         Placed with `anvil_setCode` (runtime bytecode, empty storage): no constructor,
///         no immutables; `initialize(admin, chainName)` is called once. Constants (the
///         EIP-712 type hashes) live in the bytecode, so they survive setCode.
contract PushComm {
    struct User {
        bool userActivated;
        bool publicKeyRegistered;
        uint256 userStartBlock;
        uint256 subscribedCount;
        mapping(address => uint8) isSubscribed;
        mapping(address => uint256) subscribed;
        mapping(uint256 => address) mapAddressSubscribed;
    }

    /* ***************
        EVENTS (PushCommV2, exact signatures)
     *************** */
    event SendNotification(address indexed channel, address indexed recipient, bytes identity);
    event UserNotifcationSettingsAdded(address _channel, address _user, uint256 _notifID, string _notifSettings);
    event AddDelegate(address channel, address delegate);
    event RemoveDelegate(address channel, address delegate);
    event Subscribe(address indexed channel, address indexed user);
    event Unsubscribe(address indexed channel, address indexed user);
    event PublicKeyRegistered(address indexed owner, bytes publickey);
    event ChannelAlias(
        string _chainName, uint256 indexed _chainID, address indexed _channelOwnerAddress, string _ethereumChannelAddress
    );
    event IncentivizeChatReqInitiated(
        address requestSender, address requestReceiver, uint256 amountDeposited, uint256 timestamp
    );

    /* ***************
        EIP-712 (PushCommStorageV2; the domain name stays "EPNS COMM V1")
     *************** */
    string public constant name = "EPNS COMM V1";
    bytes32 public constant NAME_HASH = keccak256(bytes(name));
    bytes32 public constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,uint256 chainId,address verifyingContract)");
    bytes32 public constant SUBSCRIBE_TYPEHASH =
        keccak256("Subscribe(address channel,address subscriber,uint256 nonce,uint256 expiry)");
    bytes32 public constant UNSUBSCRIBE_TYPEHASH =
        keccak256("Unsubscribe(address channel,address subscriber,uint256 nonce,uint256 expiry)");
    bytes32 public constant SEND_NOTIFICATION_TYPEHASH =
        keccak256("SendNotification(address channel,address recipient,bytes identity,uint256 nonce,uint256 expiry)");

    /* ***************
        STATE (public getters named as in PushCommStorageV2)
     *************** */
    bool public initialized;
    address public pushChannelAdmin;
    address public governance;
    string public chainName;
    uint256 public chainID;
    address public EPNSCoreAddress;
    address public PUSH_TOKEN_ADDRESS;
    uint256 public usersCount;

    mapping(address => User) public users;
    mapping(uint256 => address) public mapAddressUsers;
    mapping(address => mapping(address => string)) public userToChannelNotifs;
    mapping(address => mapping(address => bool)) public delegatedNotificationSenders;
    mapping(address => uint256) public nonces;

    /* ***************
        INITIALIZER & ADMIN
     *************** */
    function initialize(address _pushChannelAdmin, string memory _chainName) external returns (bool) {
        require(!initialized, "PushComm::initialize: already initialized");
        require(_pushChannelAdmin != address(0), "PushComm::initialize: zero address");
        initialized = true;
        pushChannelAdmin = _pushChannelAdmin;
        governance = _pushChannelAdmin;
        chainName = _chainName;
        chainID = block.chainid;
        return true;
    }

    function setEPNSCoreAddress(address _coreAddress) external {
        _onlyPushChannelAdmin();
        EPNSCoreAddress = _coreAddress;
    }

    function setPushTokenAddress(address _tokenAddress) external {
        _onlyPushChannelAdmin();
        PUSH_TOKEN_ADDRESS = _tokenAddress;
    }

    /// @notice Links msg.sender on this chain to a channel on Ethereum; the node does the linking.
    function verifyChannelAlias(string memory _channelAddress) external {
        emit ChannelAlias(chainName, chainID, msg.sender, _channelAddress);
    }

    /* ***************
        SUBSCRIBE / UNSUBSCRIBE
     *************** */
    function isUserSubscribed(address _channel, address _user) public view returns (bool) {
        return users[_user].isSubscribed[_channel] == 1;
    }

    function subscribe(address _channel) external returns (bool) {
        _subscribe(_channel, msg.sender);
        return true;
    }

    function batchSubscribe(address[] calldata _channelList) external returns (bool) {
        for (uint256 i = 0; i < _channelList.length; i++) {
            _subscribe(_channelList[i], msg.sender);
        }
        return true;
    }

    function unsubscribe(address _channel) external returns (bool) {
        _unsubscribe(_channel, msg.sender);
        return true;
    }

    function batchUnsubscribe(address[] calldata _channelList) external returns (bool) {
        for (uint256 i = 0; i < _channelList.length; i++) {
            _unsubscribe(_channelList[i], msg.sender);
        }
        return true;
    }

    function subscribeViaCore(address _channel, address _user) external returns (bool) {
        _onlyPushCore();
        _subscribe(_channel, _user);
        return true;
    }

    function unSubscribeViaCore(address _channel, address _user) external returns (bool) {
        _onlyPushCore();
        _unsubscribe(_channel, _user);
        return true;
    }

    /// @notice Gasless opt-in: anyone relays the subscriber's EIP-712 `Subscribe` signature.
    function subscribeBySig(
        address channel,
        address subscriber,
        uint256 nonce,
        uint256 expiry,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        bytes32 structHash = keccak256(abi.encode(SUBSCRIBE_TYPEHASH, channel, subscriber, nonce, expiry));
        _consumeSig(subscriber, structHash, nonce, expiry, v, r, s);
        _subscribe(channel, subscriber);
    }

    function unsubscribeBySig(
        address channel,
        address subscriber,
        uint256 nonce,
        uint256 expiry,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        bytes32 structHash = keccak256(abi.encode(UNSUBSCRIBE_TYPEHASH, channel, subscriber, nonce, expiry));
        _consumeSig(subscriber, structHash, nonce, expiry, v, r, s);
        _unsubscribe(channel, subscriber);
    }

    /// @notice Per-user settings, stored and emitted as "<notifID>+<notifSettings>".
    function changeUserChannelSettings(address _channel, uint256 _notifID, string calldata _notifSettings) external {
        require(isUserSubscribed(_channel, msg.sender), "PushComm::changeUserChannelSettings: User not Subscribed");
        string memory notifSetting = string(abi.encodePacked(_toString(_notifID), "+", _notifSettings));
        userToChannelNotifs[msg.sender][_channel] = notifSetting;
        emit UserNotifcationSettingsAdded(_channel, msg.sender, _notifID, notifSetting);
    }

    /* ***************
        PUBLIC KEY
     *************** */
    /// @notice `_publicKey` is the 64-byte uncompressed key (no 0x04 prefix); it must hash to msg.sender.
    function broadcastUserPublicKey(bytes calldata _publicKey) external {
        if (users[msg.sender].publicKeyRegistered) {
            return;
        }
        _addUser(msg.sender);
        require(getWalletFromPublicKey(_publicKey) == msg.sender, "Public Key Validation Failed");
        users[msg.sender].publicKeyRegistered = true;
        emit PublicKeyRegistered(msg.sender, _publicKey);
    }

    function getWalletFromPublicKey(bytes memory _publicKey) public pure returns (address wallet) {
        if (_publicKey.length == 64) {
            wallet = address(uint160(uint256(keccak256(_publicKey))));
        }
    }

    /* ***************
        DELEGATES & NOTIFICATIONS
     *************** */
    function addDelegate(address _delegate) external {
        delegatedNotificationSenders[msg.sender][_delegate] = true;
        emit AddDelegate(msg.sender, _delegate);
    }

    function removeDelegate(address _delegate) external {
        delegatedNotificationSenders[msg.sender][_delegate] = false;
        emit RemoveDelegate(msg.sender, _delegate);
    }

    /// @notice Succeeds for the channel itself, a delegate of the channel, or the admin on the
    ///         0x0 alerter channel. Otherwise returns false silently (no revert, no event).
    ///         No subscription check: inbox vs spam is decided off-chain by the node.
    function sendNotification(address _channel, address _recipient, bytes memory _identity)
        external
        returns (bool)
    {
        if (
            (_channel == address(0) && msg.sender == pushChannelAdmin) || _channel == msg.sender
                || delegatedNotificationSenders[_channel][msg.sender]
        ) {
            emit SendNotification(_channel, _recipient, _identity);
            return true;
        }
        return false;
    }

    /// @notice Relayed notification signed (EIP-712 `SendNotification`) by the channel, a
    ///         delegate, or the recipient itself. Returns false (no revert) on any failure.
    function sendNotifBySig(
        address _channel,
        address _recipient,
        address _signer,
        bytes calldata _identity,
        uint256 nonce,
        uint256 expiry,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (bool) {
        if (_signer == address(0) || nonce != nonces[_signer] || block.timestamp > expiry) {
            return false;
        }
        bytes32 structHash = keccak256(
            abi.encode(SEND_NOTIFICATION_TYPEHASH, _channel, _recipient, keccak256(_identity), nonce, expiry)
        );
        if (!_isValidSig(_signer, _digest(structHash), v, r, s)) {
            return false;
        }
        nonces[_signer] = nonce + 1;
        if (_channel == _signer || delegatedNotificationSenders[_channel][_signer] || _recipient == _signer) {
            emit SendNotification(_channel, _recipient, _identity);
            return true;
        }
        return false;
    }

    /* ***************
        INCENTIVIZED CHAT (needs Core + token on this chain)
     *************** */
    function createIncentivizeChatRequest(address requestReceiver, uint256 amount) external {
        require(amount > 0, "PushComm::createIncentivizeChatRequest: Invalid Amount");
        address core = EPNSCoreAddress;
        require(core != address(0) && PUSH_TOKEN_ADDRESS != address(0), "PushComm: Core not configured");
        require(
            IPushCommToken(PUSH_TOKEN_ADDRESS).transferFrom(msg.sender, core, amount),
            "PushComm: PUSH transferFrom failed"
        );
        IPushCoreForComm(core).handleChatRequestData(msg.sender, requestReceiver, amount);
        emit IncentivizeChatReqInitiated(msg.sender, requestReceiver, amount, block.timestamp);
    }

    /* ***************
        INTERNAL
     *************** */
    function _onlyPushChannelAdmin() private view {
        require(msg.sender == pushChannelAdmin, "PushComm::onlyPushChannelAdmin: Invalid Caller");
    }

    function _onlyPushCore() private view {
        require(msg.sender == EPNSCoreAddress, "PushComm::onlyPushCore: Invalid Caller");
    }

    function _subscribe(address _channel, address _user) private {
        if (isUserSubscribed(_channel, _user)) {
            return;
        }
        _addUser(_user);
        User storage user = users[_user];
        uint256 count = user.subscribedCount;
        user.isSubscribed[_channel] = 1;
        user.subscribed[_channel] = count;
        user.mapAddressSubscribed[count] = _channel;
        user.subscribedCount = count + 1;
        emit Subscribe(_channel, _user);
    }

    function _unsubscribe(address _channel, address _user) private {
        if (!isUserSubscribed(_channel, _user)) {
            return;
        }
        User storage user = users[_user];
        uint256 last = user.subscribedCount - 1;
        uint256 idx = user.subscribed[_channel];
        address lastChannel = user.mapAddressSubscribed[last];
        // swap-and-pop the subscription index
        user.mapAddressSubscribed[idx] = lastChannel;
        user.subscribed[lastChannel] = idx;
        user.isSubscribed[_channel] = 0;
        delete user.subscribed[_channel];
        delete user.mapAddressSubscribed[last];
        user.subscribedCount = last;
        emit Unsubscribe(_channel, _user);
    }

    function _addUser(address _user) private {
        if (users[_user].userActivated) {
            return;
        }
        users[_user].userStartBlock = block.number;
        users[_user].userActivated = true;
        mapAddressUsers[usersCount] = _user;
        usersCount += 1;
    }

    function _digest(bytes32 structHash) private view returns (bytes32) {
        bytes32 domainSeparator = keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, block.chainid, address(this)));
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function _isValidSig(address signer, bytes32 digest, uint8 v, bytes32 r, bytes32 s) private view returns (bool) {
        if (signer.code.length > 0) {
            try IERC1271Like(signer).isValidSignature(digest, abi.encodePacked(r, s, v)) returns (bytes4 magic) {
                return magic == 0x1626ba7e;
            } catch {
                return false;
            }
        }
        address recovered = ecrecover(digest, v, r, s);
        return recovered != address(0) && recovered == signer;
    }

    function _consumeSig(
        address subscriber,
        bytes32 structHash,
        uint256 nonce,
        uint256 expiry,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) private {
        require(subscriber != address(0), "PushComm: Invalid subscriber");
        require(_isValidSig(subscriber, _digest(structHash), v, r, s), "PushComm: Invalid signature");
        require(nonce == nonces[subscriber]++, "PushComm: Invalid nonce");
        require(block.timestamp <= expiry, "PushComm: Signature expired");
    }

    function _toString(uint256 value) private pure returns (string memory) {
        if (value == 0) {
            return "0";
        }
        uint256 digits;
        for (uint256 v = value; v != 0; v /= 10) {
            digits++;
        }
        bytes memory buf = new bytes(digits);
        while (value != 0) {
            digits--;
            buf[digits] = bytes1(uint8(48 + (value % 10)));
            value /= 10;
        }
        return string(buf);
    }
}
