// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Minimal ERC-20 surface Core needs from the PUSH token.
interface IPushCoreToken {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// The part of Comm that Core drives (PushCommV2 `subscribeViaCore` / `unSubscribeViaCore`).
interface IPushCommForCore {
    function subscribeViaCore(address _channel, address _user) external returns (bool);
    function unSubscribeViaCore(address _channel, address _user) external returns (bool);
}

/// @title PushCore — dev-stack re-creation of Push Core (EPNSCoreProxy -> PushCoreV2).
/// @notice Emits the real PushCoreV2 events with the exact signatures, typos included
///         ("Notifcation", "Verfication"), so topic0 values match mainnet/Sepolia logs.
///         Placed with `anvil_setCode` (runtime bytecode, empty storage): no constructor,
///         no immutables; `initialize(...)` is called once. State numbers follow PushCoreV2:
///         channelState 0 INACTIVE, 1 ACTIVATED, 2 DEACTIVATED (by owner), 3 BLOCKED (admin).
contract PushCore {
    enum ChannelType {
        ProtocolNonInterest,
        ProtocolPromotion,
        InterestBearingOpen,
        InterestBearingMutual,
        TimeBound,
        TokenGaited
    }

    /// Same field order as PushCoreV2's `Channel`, so the public `channels(address)` getter
    /// returns the same tuple as the real contract.
    struct Channel {
        ChannelType channelType;
        uint8 channelState;
        address verifiedBy;
        uint256 poolContribution;
        uint256 channelHistoricalZ;
        uint256 channelFairShareCount;
        uint256 channelLastUpdate;
        uint256 channelStartBlock;
        uint256 channelUpdateBlock;
        uint256 channelWeight;
        uint256 expiryTime;
    }

    /* ***************
        EVENTS (PushCoreV2, exact signatures)
     *************** */
    event UpdateChannel(address indexed channel, bytes identity, uint256 indexed amountDeposited);
    event RewardsClaimed(address indexed user, uint256 rewardAmount);
    event ChannelVerified(address indexed channel, address indexed verifier);
    event ChannelVerificationRevoked(address indexed channel, address indexed revoker);
    event DeactivateChannel(address indexed channel, uint256 indexed amountRefunded);
    event ReactivateChannel(address indexed channel, uint256 indexed amountDeposited);
    event ChannelBlocked(address indexed channel);
    event AddChannel(address indexed channel, ChannelType indexed channelType, bytes identity);
    event ChannelNotifcationSettingsAdded(
        address _channel, uint256 totalNotifOptions, string _notifSettings, string _notifDescription
    );
    event AddSubGraph(address indexed channel, bytes _subGraphData);
    event TimeBoundChannelDestroyed(address indexed channel, uint256 indexed amountRefunded);
    event ChannelOwnershipTransfer(address indexed channel, address indexed newOwner);
    event Staked(address indexed user, uint256 indexed amountStaked);
    event Unstaked(address indexed user, uint256 indexed amountUnstaked);
    event RewardsHarvested(address indexed user, uint256 indexed rewardAmount, uint256 fromEpoch, uint256 tillEpoch);
    event IncentivizeChatReqReceived(
        address requestSender,
        address requestReceiver,
        uint256 amountForReqReceiver,
        uint256 feePoolAmount,
        uint256 timestamp
    );
    event ChatIncentiveClaimed(address indexed user, uint256 indexed amountClaimed);

    /* ***************
        STATE (public getters named as in PushCoreStorageV1_5/V2)
     *************** */
    bool public initialized;
    address public pushChannelAdmin;
    address public governance;
    address public PUSH_TOKEN_ADDRESS;
    address public epnsCommunicator;

    uint256 public FEE_AMOUNT;
    uint256 public MIN_POOL_CONTRIBUTION;
    uint256 public ADD_CHANNEL_MIN_FEES;
    uint256 public ADJUST_FOR_FLOAT;
    uint256 public CHANNEL_POOL_FUNDS;
    uint256 public PROTOCOL_POOL_FEES;
    uint256 public channelsCount;

    mapping(address => Channel) public channels;
    mapping(address => uint256) public channelUpdateCounter;
    mapping(address => string) public channelNotifSettings;
    mapping(address => uint256) public celebUserFunds;

    /* ***************
        INITIALIZER & ADMIN
     *************** */
    function initialize(address _pushToken, address _admin, address _comm) external returns (bool) {
        require(!initialized, "PushCore::initialize: already initialized");
        require(_pushToken != address(0) && _admin != address(0), "PushCore::initialize: zero address");
        initialized = true;
        PUSH_TOKEN_ADDRESS = _pushToken;
        pushChannelAdmin = _admin;
        governance = _admin;
        epnsCommunicator = _comm;

        FEE_AMOUNT = 10 ether; // protocol pool fee taken from every creation / reactivation
        // PushCoreV2 initialize() said 50 ether, but governance lowered it to 1 ether on the
        // live deployments (and PushCoreV3 documents 1 ether). With 50, a channel created with
        // the minimum fee (50 - 10 fee = 40 in the pool) could never deactivate or be blocked.
        MIN_POOL_CONTRIBUTION = 1 ether;
        ADD_CHANNEL_MIN_FEES = 50 ether;
        ADJUST_FOR_FLOAT = 10 ** 7;
        return true;
    }

    function setEpnsCommunicatorAddress(address _commAddress) external {
        _onlyPushChannelAdmin();
        epnsCommunicator = _commAddress;
    }

    function getChannelState(address _channel) external view returns (uint256) {
        return channels[_channel].channelState;
    }

    /* ***************
        CHANNEL LIFECYCLE
     *************** */
    function createChannelWithPUSH(
        ChannelType _channelType,
        bytes calldata _identity,
        uint256 _amount,
        uint256 _channelExpiryTime
    ) external {
        require(_amount >= ADD_CHANNEL_MIN_FEES, "PushCore::createChannelWithPUSH: Insufficient Deposit Amount");
        require(channels[msg.sender].channelState == 0, "PushCore::createChannelWithPUSH: Channel already Activated");
        require(
            _channelType == ChannelType.InterestBearingOpen || _channelType == ChannelType.InterestBearingMutual
                || _channelType == ChannelType.TimeBound || _channelType == ChannelType.TokenGaited,
            "PushCore::createChannelWithPUSH: Invalid Channel Type"
        );

        emit AddChannel(msg.sender, _channelType, _identity);

        _pullPush(msg.sender, _amount);
        _createChannel(msg.sender, _channelType, _amount, _channelExpiryTime);
    }

    function _createChannel(
        address _channel,
        ChannelType _channelType,
        uint256 _amountDeposited,
        uint256 _channelExpiryTime
    ) private {
        uint256 poolFeeAmount = FEE_AMOUNT;
        uint256 poolFundAmount = _amountDeposited - poolFeeAmount;
        CHANNEL_POOL_FUNDS += poolFundAmount;
        PROTOCOL_POOL_FEES += poolFeeAmount;

        Channel storage ch = channels[_channel];
        ch.channelState = 1;
        ch.poolContribution = poolFundAmount;
        ch.channelType = _channelType;
        ch.channelStartBlock = block.number;
        ch.channelUpdateBlock = block.number;
        ch.channelWeight = (poolFundAmount * ADJUST_FOR_FLOAT) / MIN_POOL_CONTRIBUTION;
        channelsCount += 1;

        if (_channelType == ChannelType.TimeBound) {
            require(_channelExpiryTime > block.timestamp, "PushCore::createChannel: Invalid channelExpiryTime");
            ch.expiryTime = _channelExpiryTime;
        }

        // As PushCoreV2: owner subscribes to its own channel and to the Push alerter channel
        // (0x0), and the admin subscribes to the new channel.
        address comm = epnsCommunicator;
        if (comm != address(0)) {
            if (_channel != pushChannelAdmin) {
                IPushCommForCore(comm).subscribeViaCore(_channel, _channel);
            }
            IPushCommForCore(comm).subscribeViaCore(address(0), _channel);
            IPushCommForCore(comm).subscribeViaCore(_channel, pushChannelAdmin);
        }
    }

    /// @notice Fee for the N-th update is ADD_CHANNEL_MIN_FEES * N; all of it goes to the protocol pool.
    function updateChannelMeta(address _channel, bytes calldata _newIdentity, uint256 _amount) external {
        _onlyChannelOwner(_channel);
        uint256 updateCounter = channelUpdateCounter[_channel] + 1;
        uint256 requiredFees = ADD_CHANNEL_MIN_FEES * updateCounter;
        require(_amount >= requiredFees, "PushCore::updateChannelMeta: Insufficient Deposit Amount");

        PROTOCOL_POOL_FEES += _amount;
        channelUpdateCounter[_channel] = updateCounter;
        channels[_channel].channelUpdateBlock = block.number;

        // PushCoreV2 pulls from _channel; msg.sender is the same address except for the admin
        // updating the 0x0 alerter channel, which could never pay from 0x0.
        _pullPush(msg.sender, _amount);
        emit UpdateChannel(_channel, _newIdentity, _amount);
    }

    function deactivateChannel() external {
        _onlyActivatedChannels(msg.sender);
        Channel storage ch = channels[msg.sender];
        uint256 minPool = MIN_POOL_CONTRIBUTION;
        uint256 refundable = ch.poolContribution - minPool;

        ch.channelState = 2;
        CHANNEL_POOL_FUNDS -= refundable;
        ch.channelWeight = ADJUST_FOR_FLOAT;
        ch.poolContribution = minPool;

        _pushPush(msg.sender, refundable);
        emit DeactivateChannel(msg.sender, refundable);
    }

    function reactivateChannel(uint256 _amount) external {
        require(_amount >= ADD_CHANNEL_MIN_FEES, "PushCore::reactivateChannel: Insufficient Funds");
        require(channels[msg.sender].channelState == 2, "PushCore::reactivateChannel: Channel is not Deactivated");

        _pullPush(msg.sender, _amount);
        uint256 poolFeeAmount = FEE_AMOUNT;
        uint256 poolFundAmount = _amount - poolFeeAmount;
        CHANNEL_POOL_FUNDS += poolFundAmount;
        PROTOCOL_POOL_FEES += poolFeeAmount;

        Channel storage ch = channels[msg.sender];
        uint256 newPool = ch.poolContribution + poolFundAmount;
        ch.channelState = 1;
        ch.poolContribution = newPool;
        ch.channelWeight = (newPool * ADJUST_FOR_FLOAT) / MIN_POOL_CONTRIBUTION;

        emit ReactivateChannel(msg.sender, _amount);
    }

    function blockChannel(address _channelAddress) external {
        _onlyPushChannelAdmin();
        uint8 state = channels[_channelAddress].channelState;
        require(state != 3 && state != 0, "PushCore::blockChannel: Invalid Channel");

        Channel storage ch = channels[_channelAddress];
        uint256 minPool = MIN_POOL_CONTRIBUTION;
        uint256 forfeited = ch.poolContribution - minPool;
        CHANNEL_POOL_FUNDS -= forfeited;
        PROTOCOL_POOL_FEES += forfeited;

        channelsCount -= 1;
        ch.channelState = 3;
        ch.channelWeight = ADJUST_FOR_FLOAT;
        ch.channelUpdateBlock = block.number;
        ch.poolContribution = minPool;

        emit ChannelBlocked(_channelAddress);
    }

    function destroyTimeBoundChannel(address _channelAddress) external {
        _onlyActivatedChannels(_channelAddress);
        Channel memory ch = channels[_channelAddress];
        require(ch.channelType == ChannelType.TimeBound, "PushCore::destroyTimeBoundChannel: Channel not TIME BOUND");
        require(
            (msg.sender == _channelAddress && ch.expiryTime < block.timestamp)
                || (msg.sender == pushChannelAdmin && ch.expiryTime + 14 days < block.timestamp),
            "PushCore::destroyTimeBoundChannel: Invalid Caller or Channel Not Expired"
        );
        uint256 refundable = ch.poolContribution;
        CHANNEL_POOL_FUNDS -= refundable;
        if (msg.sender != pushChannelAdmin) {
            _pushPush(msg.sender, refundable);
        } else {
            PROTOCOL_POOL_FEES += refundable;
        }

        address comm = epnsCommunicator;
        if (comm != address(0)) {
            IPushCommForCore(comm).unSubscribeViaCore(address(0), _channelAddress);
            IPushCommForCore(comm).unSubscribeViaCore(_channelAddress, _channelAddress);
            IPushCommForCore(comm).unSubscribeViaCore(_channelAddress, pushChannelAdmin);
        }
        channelsCount -= 1;
        delete channels[_channelAddress];

        emit TimeBoundChannelDestroyed(msg.sender, refundable);
    }

    /// @notice Moves an active channel to a fresh address (EPNSCoreV1_5 signature). The
    ///         channel itself must call it; the fee (>= ADD_CHANNEL_MIN_FEES) goes to the pool.
    function transferChannelOwnership(
        address _channelAddress,
        address _newChannelAddress,
        uint256 _amountDeposited
    ) external returns (bool) {
        require(msg.sender == _channelAddress, "PushCore::transferChannelOwnership: Invalid Caller");
        _onlyActivatedChannels(_channelAddress);
        require(
            _newChannelAddress != address(0) && channels[_newChannelAddress].channelState == 0,
            "PushCore::transferChannelOwnership: Invalid address for new channel owner"
        );
        require(_amountDeposited >= ADD_CHANNEL_MIN_FEES, "PushCore::transferChannelOwnership: Insufficient Funds");

        _pullPush(_channelAddress, _amountDeposited);
        PROTOCOL_POOL_FEES += _amountDeposited;
        channels[_newChannelAddress] = channels[_channelAddress];
        channelUpdateCounter[_newChannelAddress] = channelUpdateCounter[_channelAddress];

        address comm = epnsCommunicator;
        if (comm != address(0)) {
            IPushCommForCore(comm).subscribeViaCore(_newChannelAddress, _newChannelAddress);
            IPushCommForCore(comm).subscribeViaCore(address(0), _newChannelAddress);
            IPushCommForCore(comm).subscribeViaCore(_newChannelAddress, pushChannelAdmin);
            IPushCommForCore(comm).unSubscribeViaCore(_channelAddress, pushChannelAdmin);
        }
        delete channels[_channelAddress];
        delete channelUpdateCounter[_channelAddress];

        emit ChannelOwnershipTransfer(_channelAddress, _newChannelAddress);
        return true;
    }

    /* ***************
        SETTINGS & SUBGRAPH
     *************** */

    /// @notice Stored (and emitted) as "<notifOptions>+<notifSettings>", as in PushCoreV2.
    function createChannelSettings(
        uint256 _notifOptions,
        string calldata _notifSettings,
        string calldata _notifDescription,
        uint256 _amountDeposited
    ) external {
        _onlyActivatedChannels(msg.sender);
        require(_amountDeposited >= ADD_CHANNEL_MIN_FEES, "PushCore::createChannelSettings: Insufficient Funds Passed");

        string memory notifSetting = string(abi.encodePacked(_toString(_notifOptions), "+", _notifSettings));
        channelNotifSettings[msg.sender] = notifSetting;

        PROTOCOL_POOL_FEES += _amountDeposited;
        _pullPush(msg.sender, _amountDeposited);
        emit ChannelNotifcationSettingsAdded(msg.sender, _notifOptions, notifSetting, _notifDescription);
    }

    function addSubGraph(bytes calldata _subGraphData) external {
        _onlyActivatedChannels(msg.sender);
        emit AddSubGraph(msg.sender, _subGraphData);
    }

    /* ***************
        VERIFICATION (primary = admin, secondary = verified by a verified channel)
     *************** */

    /// @return verificationStatus 0 not verified, 1 primary, 2 secondary (name typo is the real ABI)
    function getChannelVerfication(address _channel) public view returns (uint8 verificationStatus) {
        address admin = pushChannelAdmin;
        address verifiedBy = channels[_channel].verifiedBy;
        if (verifiedBy == admin || _channel == address(0) || _channel == admin) {
            return 1;
        }
        // Walk up the verifier chain; bounded so a cycle cannot burn all gas.
        for (uint256 i = 0; i < 64; i++) {
            if (verifiedBy == address(0)) {
                return 0;
            }
            if (verifiedBy == admin) {
                return 2;
            }
            verifiedBy = channels[verifiedBy].verifiedBy;
        }
        return 0;
    }

    function verifyChannel(address _channel) public {
        _onlyActivatedChannels(_channel);
        require(getChannelVerfication(msg.sender) > 0, "PushCore::verifyChannel: Caller is not verified");
        require(
            getChannelVerfication(_channel) == 0 || msg.sender == pushChannelAdmin,
            "PushCore::verifyChannel: Channel already verified"
        );
        channels[_channel].verifiedBy = msg.sender;
        emit ChannelVerified(_channel, msg.sender);
    }

    function unverifyChannel(address _channel) public {
        require(
            channels[_channel].verifiedBy == msg.sender || msg.sender == pushChannelAdmin,
            "PushCore::unverifyChannel: Invalid Caller"
        );
        channels[_channel].verifiedBy = address(0);
        emit ChannelVerificationRevoked(_channel, msg.sender);
    }

    /* ***************
        INCENTIVIZED CHAT (Comm -> Core)
     *************** */
    function handleChatRequestData(address requestSender, address requestReceiver, uint256 amount) external {
        require(msg.sender == epnsCommunicator, "PushCore::handleChatRequestData: Unauthorized caller");
        uint256 poolFeeAmount = FEE_AMOUNT;
        uint256 receiverAmount = amount - poolFeeAmount;
        celebUserFunds[requestReceiver] += receiverAmount;
        PROTOCOL_POOL_FEES += poolFeeAmount;
        emit IncentivizeChatReqReceived(requestSender, requestReceiver, receiverAmount, poolFeeAmount, block.timestamp);
    }

    function claimChatIncentives(uint256 _amount) external {
        require(celebUserFunds[msg.sender] >= _amount, "PushCore::claimChatIncentives: Invalid Amount");
        celebUserFunds[msg.sender] -= _amount;
        _pushPush(msg.sender, _amount);
        emit ChatIncentiveClaimed(msg.sender, _amount);
    }

    /* ***************
        INTERNAL
     *************** */
    function _onlyPushChannelAdmin() private view {
        require(msg.sender == pushChannelAdmin, "PushCore::onlyPushChannelAdmin: Invalid Caller");
    }

    function _onlyActivatedChannels(address _channel) private view {
        require(channels[_channel].channelState == 1, "PushCore::onlyActivatedChannels: Invalid Channel");
    }

    function _onlyChannelOwner(address _channel) private view {
        require(
            (channels[_channel].channelState == 1 && msg.sender == _channel)
                || (msg.sender == pushChannelAdmin && _channel == address(0)),
            "PushCore::onlyChannelOwner: Invalid Channel Owner"
        );
    }

    function _pullPush(address _from, uint256 _amount) private {
        require(
            IPushCoreToken(PUSH_TOKEN_ADDRESS).transferFrom(_from, address(this), _amount),
            "PushCore: PUSH transferFrom failed"
        );
    }

    function _pushPush(address _to, uint256 _amount) private {
        require(IPushCoreToken(PUSH_TOKEN_ADDRESS).transfer(_to, _amount), "PushCore: PUSH transfer failed");
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
