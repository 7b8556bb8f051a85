// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @notice The generated Groth16 verifier: reverts unless `proof` proves `input`.
interface IVerifier {
    function verifyProof(uint256[8] calldata proof, uint256 input) external view;
}

/// @title The external interface of the zkr rollup contract (`Rollup.sol` implements it).
/// @notice Every event, error and call a client of the rollup sees. The verifier's errors are
///         listed too: `proveRange` lets them through.
interface IRollup {
    /// @notice A withdrawal as a batch publishes it.
    struct Withdrawal {
        address recipient;
        uint16 token;
        uint128 amount;
    }

    // -----------------------------------------------------------------------------------------
    // Events
    // -----------------------------------------------------------------------------------------

    event BatchCommitted(uint64 indexed number, bytes32 commitment, uint64 deposits, uint64 withdrawals);
    event RangeClosed(uint64 indexed first, uint64 indexed last, bytes32 commitment);
    event RangeProven(uint64 indexed first, uint64 indexed last, bytes32 oldRoot, bytes32 newRoot);
    event DepositQueued(
        uint64 indexed priorityIndex,
        uint32 indexed account,
        uint16 token,
        uint128 amount,
        bytes pubkey,
        address from,
        uint64 deadline
    );
    event BatchesReverted(uint64 indexed first, uint64 indexed last);
    event ExodusMode(uint64 priorityIndex, uint64 deadline);
    event WithdrawalClaimed(
        uint64 indexed batch, uint256 index, address indexed recipient, uint16 token, uint128 amount
    );
    event TokenRegistered(uint16 indexed id, address indexed token);
    event OperatorChanged(address indexed previous, address indexed operator);
    event OwnershipTransferred(address indexed previous, address indexed owner);
    event OperatorProposed(address indexed operator, uint64 effectiveBlock);
    event OwnerProposed(address indexed owner, uint64 effectiveBlock);
    event Paused(address by);
    event Unpaused(address by);

    // -----------------------------------------------------------------------------------------
    // Errors
    // -----------------------------------------------------------------------------------------

    error NotOwner(address caller);
    error NotOperator(address caller);
    error ContractPaused();
    error BatchOutOfOrder(uint64 expected, uint64 got);
    error PubdataLength(uint256 expected, uint256 got);
    error UnknownOperation(uint256 offset, uint8 opType);
    error OperationTruncated(uint256 offset, uint8 opType);
    error DepositNotQueued(uint256 offset, uint64 expectedIndex, uint64 got);
    error DepositMismatch(uint256 offset, uint64 priorityIndex);
    error RangeNotNext(uint64 expected, uint64 first);
    error RangeNotCommitted(uint64 last, uint64 committed);
    error EmptyRange(uint64 first, uint64 last);
    error RangeNotClosed(uint64 first, uint64 last);
    error BatchNotProven(uint64 batch, uint64 verified);
    error WithdrawalsMismatch(uint64 batch);
    error WithdrawalIndex(uint256 index, uint256 count);
    error AlreadyClaimed(uint64 batch, uint256 index);
    error TransferFailed(uint16 token, address to, uint128 amount);
    error InvalidPubkey();
    error UnknownToken(address token);
    error TokenLimit();
    error TokenAlreadyRegistered(address token, uint16 id);
    error AmountZero();
    error AmountTooLarge(uint256 amount);
    error AmountNotReceived(uint256 expected, uint256 received);
    error BadCapacity(uint256 capacity);
    error Sha256Failed();
    error BadDelay(uint64 blocks);
    error ZeroAddress();
    error InExodusMode();
    error NotPendingOwner(address caller);
    error NothingPending();
    error ChangeNotDue(uint64 effectiveBlock, uint64 blockNumber);
    error RevertCount(uint64 count, uint64 committed);
    error RevertProven(uint64 keep, uint64 verified);
    error RevertInsideRange(uint64 keep);
    error NoDepositPending();
    error DepositNotExpired(uint64 priorityIndex, uint64 deadline);
    error PubkeyMismatch(uint32 account);
    error HoldingsLimit(uint16 token, uint256 holdings);

    // The verifier's errors, which proveRange lets through.
    error PublicInputNotInField(uint256 input);
    error CoordinateNotInField(uint256 index, uint256 value);
    error PrecompileFailed(address precompile);
    error ProofInvalid();

    // -----------------------------------------------------------------------------------------
    // Calls (the rollup's public state variables implement the getters)
    // -----------------------------------------------------------------------------------------

    function MAX_TOKENS() external view returns (uint256);
    function ETH_TOKEN() external view returns (uint16);
    function verifier() external view returns (IVerifier);
    function CAPACITY() external view returns (uint256);
    function PRIORITY_DEADLINE() external view returns (uint64);
    function GOVERNANCE_DELAY() external view returns (uint64);
    function owner() external view returns (address);
    function operator() external view returns (address);
    function paused() external view returns (bool);
    function exodusMode() external view returns (bool);
    function pendingOperator() external view returns (address account, uint64 effectiveBlock);
    function pendingOwner() external view returns (address account, uint64 effectiveBlock);
    function stateRoot() external view returns (bytes32);
    function committedBatches() external view returns (uint64);
    function verifiedBatches() external view returns (uint64);
    function committedPriorityOps() external view returns (uint64);
    function verifiedPriorityOps() external view returns (uint64);
    function totalPriorityOps() external view returns (uint64);
    function closedBatches() external view returns (uint64);
    function batches(uint256 number)
        external
        view
        returns (bytes32 withdrawals, bytes32 rangeCommitment, uint64 priorityOpsAfter, uint64 rangeFirst);
    function priorityQueue(uint256 index) external view returns (bytes32);
    function accountKeyHash(uint32 account) external view returns (bytes32);
    function claimed(uint256 batch, uint256 index) external view returns (bool);
    function tokenAddress(uint16 id) external view returns (address);
    function tokenId(address token) external view returns (uint16);
    function tokenCount() external view returns (uint16);

    function pause() external;
    function unpause() external;
    function proposeOwner(address newOwner) external;
    function acceptOwnership() external;
    function proposeOperator(address newOperator) external;
    function applyOperator() external;
    function registerToken(address token) external returns (uint16 id);
    function depositEth(uint32 account, bytes calldata pubkey) external payable;
    function depositErc20(address token, uint128 amount, uint32 account, bytes calldata pubkey) external;
    function commitBatch(uint64 number, bytes calldata pubdata, bool endsRange) external;
    function proveRange(uint64 first, uint64 last, bytes32 newRoot, uint256[8] calldata proof) external;
    function revertBatches(uint64 count) external;
    function activateExodusMode() external;
    function claimWithdrawal(uint64 batch, Withdrawal[] calldata all, uint256 index) external;
}
