// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {IRollup, IVerifier} from "./IRollup.sol";

/// @notice The ERC-20 calls the rollup makes.
interface IERC20 {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function transfer(address to, uint256 amount) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
}

/// @title zkr rollup: the verified state root of an account-based payment rollup.
/// @notice Batches are committed in order with their pubdata (`commitBatch`), grouped into
///         consecutive ranges as they are committed (the operator marks each range's last
///         batch), then each range is proven by one Groth16 proof (`proveRange`), which moves
///         the state root. L1 deposits join a priority queue that batches must include in
///         order; a proven batch's withdrawals are claimable once each.
///
///         What no single party can do: the owner cannot change the operator or hand over
///         ownership before `GOVERNANCE_DELAY` blocks have passed (everyone sees it coming),
///         and a pause stops only the operator's commits and proofs, never deposits, claims or
///         the escape hatch. No deposit can wedge the queue: only deposits the rollup's rules
///         accept are queued (`queueDeposit`). The operator cannot stall a deposit for good: each queued deposit
///         must be in a proven batch within `PRIORITY_DEADLINE` blocks, else anyone may put the
///         rollup into exodus mode, where commits, proofs and deposits stop for good. Committed
///         batches that cannot be proven can be reverted by the operator (whole ranges, back to
///         a range's end); proven ones never.
/// @dev The proof's public input is `uint256(sha256(oldRoot || newRoot || commitment)) % R`,
///      with `commitment` the range commitment: the batches' `sha256(pubdata)` combined in the
///      Merkle tree of RFC 6962 without its prefix bytes. The contract builds it while the
///      range's batches are committed, so that proving costs the same for any range length.
///      Pubdata is a 4-byte header and `CAPACITY` chunks of 24 bytes; operations are laid out
///      as the batch circuit defines (zkr-circuits, `ops/pubdata.rs`).
contract Rollup is IRollup {
    // -----------------------------------------------------------------------------------------
    // Constants
    // -----------------------------------------------------------------------------------------

    /// @dev BN254 scalar field modulus r.
    uint256 internal constant R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
    /// @dev Goldilocks modulus p: each public-key limb must be below it.
    uint256 internal constant GOLDILOCKS_P = 0xffffffff00000001;
    uint256 internal constant HEADER_BYTES = 4;
    uint256 internal constant CHUNK_BYTES = 24;
    uint8 internal constant OP_NOOP = 0;
    uint8 internal constant OP_DEPOSIT = 1;
    uint8 internal constant OP_TRANSFER = 2;
    uint8 internal constant OP_WITHDRAW = 3;
    uint256 internal constant DEPOSIT_BYTES = 3 * CHUNK_BYTES;
    uint256 internal constant WITHDRAW_BYTES = 2 * CHUNK_BYTES;
    /// @notice Token ids are below this (the balance tree has depth 10).
    uint256 public constant MAX_TOKENS = 1024;
    /// @notice Token id 0 is ether.
    uint16 public constant ETH_TOKEN = 0;
    /// @dev A priority-queue entry holds the top 192 bits of the deposit's keccak256 and, in its
    ///      low 64 bits, the deposit's deadline block: one storage slot per deposit. 192 bits
    ///      leave a second preimage out of reach of any operator.
    uint256 internal constant DEADLINE_BITS = 64;

    // -----------------------------------------------------------------------------------------
    // State
    // -----------------------------------------------------------------------------------------

    /// @notice The verifier of the wrap circuit for this rollup's batch capacity.
    IVerifier public immutable verifier;
    /// @notice Pubdata chunks per batch: every batch's pubdata is 4 + 24 * CAPACITY bytes.
    uint256 public immutable CAPACITY;
    /// @notice Blocks within which a queued deposit must be in a proven batch; past them,
    ///         anyone may start exodus mode.
    uint64 public immutable PRIORITY_DEADLINE;
    /// @notice Blocks between the proposal of a new operator or owner and its taking effect.
    uint64 public immutable GOVERNANCE_DELAY;

    /// @notice Can pause, register tokens and propose a new operator or owner.
    address public owner;
    /// @notice The only account that commits and reverts batches.
    address public operator;
    /// @notice While true, commits and range proofs stop; deposits, claims and the exodus
    ///         trigger do not.
    bool public paused;

    /// @notice A governance change waiting out `GOVERNANCE_DELAY`.
    struct PendingChange {
        /// The proposed account (zero: nothing pending).
        address account;
        /// The first block at which it can take effect.
        uint64 effectiveBlock;
    }

    /// @notice The proposed next operator.
    PendingChange public pendingOperator;
    /// @notice The proposed next owner.
    PendingChange public pendingOwner;

    /// @notice The state root after the last proven batch.
    bytes32 public stateRoot;
    // The four counters a commit or a proof touches share one storage slot.
    /// @notice Number of the last committed batch (batches count from 1).
    uint64 public committedBatches;
    /// @notice Number of the last proven batch.
    uint64 public verifiedBatches;
    /// @notice Deposits included by committed batches.
    uint64 public committedPriorityOps;
    /// @notice Deposits included by proven batches.
    uint64 public verifiedPriorityOps;
    /// @notice Deposits ever queued; the next deposit's priority index.
    uint64 public totalPriorityOps;
    /// @notice Last batch of the last closed range (0 before the first): the open range, whose
    ///         batches are committed but not closed yet, starts after it.
    uint64 public closedBatches;
    /// @notice Set for good once a deposit outlived its deadline: commits, proofs and deposits
    ///         stop. (Shares a slot with `totalPriorityOps`, which the calls it stops read.)
    bool public exodusMode;

    /// @notice What L1 keeps of a committed batch.
    struct StoredBatch {
        /// keccak256 chain over the batch's withdrawals (zero when it has none).
        bytes32 withdrawals;
        /// For the last batch of a range: the range commitment; zero otherwise.
        bytes32 rangeCommitment;
        /// totalPriorityOps included up to and including this batch.
        uint64 priorityOpsAfter;
        /// For the last batch of a range: the range's first batch; zero otherwise.
        uint64 rangeFirst;
    }

    /// @notice Committed batches by number.
    mapping(uint256 => StoredBatch) public batches;
    /// @dev The open range's complete subtrees: `frontier[k]` is the root of its subtree of
    ///      2^k batches whenever bit k of the open range's length is set (stale otherwise).
    bytes32[64] internal frontier;
    /// @notice keccak256 of each account's key, fixed by the account's first queued deposit
    ///         (zero: none yet). Accounts are made only by deposits, in queue order, so this is
    ///         the key the account has or will have in the rollup state.
    mapping(uint32 => bytes32) public accountKeyHash;
    /// @notice Each queued deposit, by priority index: the top 192 bits of the keccak256 of its
    ///         pubdata image (72 bytes), then its deadline block in the low 64 bits.
    mapping(uint256 => bytes32) public priorityQueue;
    /// @notice Withdrawals claimed, by batch and index within the batch.
    mapping(uint256 => mapping(uint256 => bool)) public claimed;
    /// @notice L1 address of each registered ERC-20 token id (id 0, ether, has none).
    mapping(uint16 => address) public tokenAddress;
    /// @notice Token id of each registered ERC-20 address.
    mapping(address => uint16) public tokenId;
    /// @notice Number of token ids in use (ether included).
    uint16 public tokenCount;

    // -----------------------------------------------------------------------------------------
    // Setup and roles
    // -----------------------------------------------------------------------------------------

    /// @param verifier_ The wrap circuit's verifier.
    /// @param capacity Pubdata chunks per batch of the circuit the verifier is for.
    /// @param genesisRoot The state root before batch 1 (the empty tree's).
    /// @param operator_ The account that commits batches.
    /// @param priorityDeadline `PRIORITY_DEADLINE`, in blocks (at least 1).
    /// @param governanceDelay `GOVERNANCE_DELAY`, in blocks (at least 1).
    constructor(
        IVerifier verifier_,
        uint256 capacity,
        bytes32 genesisRoot,
        address operator_,
        uint64 priorityDeadline,
        uint64 governanceDelay
    ) {
        if (capacity == 0 || capacity > 4096) revert BadCapacity(capacity);
        if (priorityDeadline == 0) revert BadDelay(priorityDeadline);
        if (governanceDelay == 0) revert BadDelay(governanceDelay);
        if (operator_ == address(0)) revert ZeroAddress();
        verifier = verifier_;
        CAPACITY = capacity;
        PRIORITY_DEADLINE = priorityDeadline;
        GOVERNANCE_DELAY = governanceDelay;
        stateRoot = genesisRoot;
        owner = msg.sender;
        operator = operator_;
        tokenCount = 1;
        emit OwnershipTransferred(address(0), msg.sender);
        emit OperatorChanged(address(0), operator_);
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    modifier whenNotPaused() {
        if (paused) revert ContractPaused();
        _;
    }

    modifier notInExodus() {
        if (exodusMode) revert InExodusMode();
        _;
    }

    /// @notice Stops commits and range proofs (deposits, claims and the exodus trigger go on:
    ///         a pause that outlasts a deposit's deadline ends in exodus mode).
    function pause() external onlyOwner {
        paused = true;
        emit Paused(msg.sender);
    }

    /// @notice Resumes.
    function unpause() external onlyOwner {
        paused = false;
        emit Unpaused(msg.sender);
    }

    /// @notice Proposes `newOwner`, who takes over by `acceptOwnership` once `GOVERNANCE_DELAY`
    ///         blocks have passed. Replaces any earlier proposal; zero withdraws it.
    function proposeOwner(address newOwner) external onlyOwner {
        uint64 effective = propose(pendingOwner, newOwner);
        emit OwnerProposed(newOwner, effective);
    }

    /// @notice The proposed owner takes over, once the delay is over.
    function acceptOwnership() external {
        PendingChange memory p = pendingOwner;
        if (p.account == address(0) || msg.sender != p.account) revert NotPendingOwner(msg.sender);
        if (block.number < p.effectiveBlock) revert ChangeNotDue(p.effectiveBlock, uint64(block.number));
        delete pendingOwner;
        emit OwnershipTransferred(owner, p.account);
        owner = p.account;
    }

    /// @notice Proposes `newOperator`, who takes over by `applyOperator` (anyone may call it)
    ///         once `GOVERNANCE_DELAY` blocks have passed. Replaces any earlier proposal; zero
    ///         withdraws it.
    function proposeOperator(address newOperator) external onlyOwner {
        uint64 effective = propose(pendingOperator, newOperator);
        emit OperatorProposed(newOperator, effective);
    }

    /// @notice Makes the proposed operator the operator, once the delay is over.
    function applyOperator() external {
        PendingChange memory p = pendingOperator;
        if (p.account == address(0)) revert NothingPending();
        if (block.number < p.effectiveBlock) revert ChangeNotDue(p.effectiveBlock, uint64(block.number));
        delete pendingOperator;
        emit OperatorChanged(operator, p.account);
        operator = p.account;
    }

    /// @dev Records (or, for zero, clears) a proposal; returns the block it takes effect at.
    function propose(PendingChange storage pending, address account) internal returns (uint64 effective) {
        if (account == address(0)) {
            delete pending.account;
            delete pending.effectiveBlock;
            return 0;
        }
        effective = uint64(block.number) + GOVERNANCE_DELAY;
        pending.account = account;
        pending.effectiveBlock = effective;
    }

    /// @notice Gives the ERC-20 `token` the next token id.
    function registerToken(address token) external onlyOwner returns (uint16 id) {
        if (token == address(0)) revert UnknownToken(token);
        if (tokenId[token] != 0) revert TokenAlreadyRegistered(token, tokenId[token]);
        id = tokenCount;
        if (id >= MAX_TOKENS) revert TokenLimit();
        tokenCount = id + 1;
        tokenAddress[id] = token;
        tokenId[token] = id;
        emit TokenRegistered(id, token);
    }

    // -----------------------------------------------------------------------------------------
    // Deposits
    // -----------------------------------------------------------------------------------------

    /// @notice Deposits the ether sent into rollup account `account`, whose key is `pubkey`.
    /// @param pubkey The account's public key, 40 bytes: five big-endian 64-bit limbs, each
    ///        below the Goldilocks modulus, not all zero.
    function depositEth(uint32 account, bytes calldata pubkey) external payable notInExodus {
        if (msg.value > type(uint128).max) revert AmountTooLarge(msg.value);
        // The ether held includes this deposit's.
        if (address(this).balance > type(uint128).max) revert HoldingsLimit(ETH_TOKEN, address(this).balance);
        queueDeposit(account, pubkey, ETH_TOKEN, uint128(msg.value));
    }

    /// @notice Deposits `amount` of the registered ERC-20 `token` (approved beforehand).
    function depositErc20(address token, uint128 amount, uint32 account, bytes calldata pubkey)
        external
        notInExodus
    {
        uint16 id = tokenId[token];
        if (id == 0) revert UnknownToken(token);
        // Count what arrived, not what was asked: a token may take a fee on transfer.
        uint256 before = IERC20(token).balanceOf(address(this));
        if (!callToken(token, abi.encodeCall(IERC20.transferFrom, (msg.sender, address(this), amount)))) {
            revert TransferFailed(id, address(this), amount);
        }
        uint256 held = IERC20(token).balanceOf(address(this));
        uint256 received = held - before;
        if (received != amount) revert AmountNotReceived(amount, received);
        if (held > type(uint128).max) revert HoldingsLimit(id, held);
        queueDeposit(account, pubkey, id, amount);
    }

    /// @dev Appends a deposit to the priority queue as the 72 pubdata bytes it must appear as,
    ///      with its deadline.
    ///
    ///      Every deposit queued here is one the rollup's rules accept when its turn comes, so
    ///      that none can stop the queue (deposits are included in order) and every one is
    ///      settled. The rules refuse a deposit for: a token id out of range (ids come from
    ///      `registerToken`), a zero or non-canonical key (`checkPubkey`), a key other than the
    ///      account's (`accountKeyHash`: the first deposit fixes it), and a balance past
    ///      2^128 - 1: no balance can pass what the rollup holds of the token, which the
    ///      deposit calls keep at most 2^128 - 1 (a balance in the state is at most the deposits
    ///      included before it less the withdrawals, and every claim paid before a deposit was
    ///      queued is of a batch included before it).
    function queueDeposit(uint32 account, bytes calldata pubkey, uint16 token, uint128 amount) internal {
        if (amount == 0) revert AmountZero();
        checkPubkey(pubkey);
        bytes32 keyHash = keccak256(pubkey);
        bytes32 known = accountKeyHash[account];
        if (known == 0) {
            accountKeyHash[account] = keyHash;
        } else if (known != keyHash) {
            revert PubkeyMismatch(account);
        }
        uint64 index = totalPriorityOps;
        uint64 deadline = uint64(block.number) + PRIORITY_DEADLINE;
        bytes32 image = keccak256(abi.encodePacked(OP_DEPOSIT, token, uint8(0), account, amount, index, pubkey));
        priorityQueue[index] = bytes32(((uint256(image) >> DEADLINE_BITS) << DEADLINE_BITS) | deadline);
        totalPriorityOps = index + 1;
        emit DepositQueued(index, account, token, amount, pubkey, msg.sender, deadline);
    }

    /// @dev The batch circuit refuses a deposit whose key is zero or has a limb of p or more; such
    ///      a deposit would stop every later batch, so it is refused here.
    function checkPubkey(bytes calldata pubkey) internal pure {
        if (pubkey.length != 40) revert InvalidPubkey();
        bool nonzero;
        for (uint256 i = 0; i < 40; i += 8) {
            uint256 limb = uint64(bytes8(pubkey[i:i + 8]));
            if (limb >= GOLDILOCKS_P) revert InvalidPubkey();
            nonzero = nonzero || limb != 0;
        }
        if (!nonzero) revert InvalidPubkey();
    }

    // -----------------------------------------------------------------------------------------
    // Batches
    // -----------------------------------------------------------------------------------------

    /// @notice Commits batch `number` (the next one) with its pubdata. Its deposits must be the
    ///         next entries of the priority queue, in order. The batch joins the open range;
    ///         `endsRange` closes the range with it, which makes the range provable.
    function commitBatch(uint64 number, bytes calldata pubdata, bool endsRange)
        external
        whenNotPaused
        notInExodus
    {
        if (msg.sender != operator) revert NotOperator(msg.sender);
        uint64 previous = committedBatches;
        if (number != previous + 1) revert BatchOutOfOrder(previous + 1, number);
        uint256 expectedLength = HEADER_BYTES + CHUNK_BYTES * CAPACITY;
        if (pubdata.length != expectedLength) revert PubdataLength(expectedLength, pubdata.length);

        (uint64 priorityOps, bytes32 withdrawals, uint64 deposits, uint64 withdrawalCount) =
            processPubdata(pubdata, committedPriorityOps);
        bytes32 commitment = sha256(pubdata);
        uint64 closed = closedBatches;
        bytes32 root = addToRange(number - closed - 1, commitment, endsRange);

        // The slot is fresh (numbers only grow): zeros need no write.
        StoredBatch storage stored = batches[number];
        if (withdrawals != 0) stored.withdrawals = withdrawals;
        if (priorityOps != 0) stored.priorityOpsAfter = priorityOps;
        committedBatches = number;
        committedPriorityOps = priorityOps;
        emit BatchCommitted(number, commitment, deposits, withdrawalCount);
        if (endsRange) {
            stored.rangeCommitment = root;
            stored.rangeFirst = closed + 1;
            closedBatches = number;
            emit RangeClosed(closed + 1, number, root);
        }
    }

    /// @dev Adds the commitment of the open range's batch at `index` (its length before) to the
    ///      range's tree. Complete subtrees of equal size merge, as in a binary counter; when
    ///      the batch ends the range, the subtrees fold from the smallest up into the range
    ///      commitment (RFC 6962's left subtrees are the complete ones), which it returns, and
    ///      nothing is stored: the next range starts empty.
    function addToRange(uint256 index, bytes32 leaf, bool endsRange) internal returns (bytes32 node) {
        node = leaf;
        uint256 level = 0;
        while (index & (1 << level) != 0) {
            node = hashPair(frontier[level], node);
            level++;
        }
        if (!endsRange) {
            frontier[level] = node;
            return node;
        }
        for (uint256 k = level + 1; (index >> k) != 0; k++) {
            if ((index >> k) & 1 != 0) node = hashPair(frontier[k], node);
        }
    }

    /// @dev sha256(left || right) through the precompile, in scratch space.
    function hashPair(bytes32 left, bytes32 right) internal view returns (bytes32 h) {
        bool ok;
        assembly ("memory-safe") {
            mstore(0x00, left)
            mstore(0x20, right)
            ok := staticcall(gas(), 0x02, 0x00, 0x40, 0x00, 0x20)
            h := mload(0x00)
        }
        if (!ok) revert Sha256Failed();
    }

    /// @dev Walks the operations: checks each deposit against the priority queue and chains the
    ///      withdrawals' hashes. Transfers and no-ops need nothing from L1.
    function processPubdata(bytes calldata pubdata, uint64 priorityOps)
        internal
        view
        returns (uint64 priorityAfter, bytes32 withdrawals, uint64 deposits, uint64 withdrawalCount)
    {
        uint256 offset = HEADER_BYTES;
        uint256 end = pubdata.length;
        while (offset < end) {
            uint8 opType = uint8(pubdata[offset]);
            if (opType == OP_NOOP || opType == OP_TRANSFER) {
                offset += CHUNK_BYTES;
            } else if (opType == OP_DEPOSIT) {
                if (offset + DEPOSIT_BYTES > end) revert OperationTruncated(offset, opType);
                uint64 index = uint64(bytes8(pubdata[offset + 24:offset + 32]));
                if (index != priorityOps || index >= totalPriorityOps) {
                    revert DepositNotQueued(offset, priorityOps, index);
                }
                if (
                    uint256(keccak256(pubdata[offset:offset + DEPOSIT_BYTES])) >> DEADLINE_BITS
                        != uint256(priorityQueue[index]) >> DEADLINE_BITS
                ) {
                    revert DepositMismatch(offset, index);
                }
                priorityOps = index + 1;
                deposits++;
                offset += DEPOSIT_BYTES;
            } else if (opType == OP_WITHDRAW) {
                if (offset + WITHDRAW_BYTES > end) revert OperationTruncated(offset, opType);
                Withdrawal memory w = Withdrawal({
                    recipient: address(bytes20(pubdata[offset + 28:offset + 48])),
                    token: uint16(bytes2(pubdata[offset + 1:offset + 3])),
                    amount: uint128(bytes16(pubdata[offset + 8:offset + 24]))
                });
                withdrawals = chainWithdrawal(withdrawals, w);
                withdrawalCount++;
                offset += WITHDRAW_BYTES;
            } else {
                revert UnknownOperation(offset, opType);
            }
        }
        priorityAfter = priorityOps;
    }

    /// @notice Proves the closed range `first..=last` (the next one to prove) with one Groth16
    ///         proof, moving the state root to `newRoot`.
    /// @param proof The wrap proof, as `IVerifier.verifyProof` takes it.
    function proveRange(uint64 first, uint64 last, bytes32 newRoot, uint256[8] calldata proof)
        external
        whenNotPaused
        notInExodus
    {
        uint64 verified = verifiedBatches;
        if (first != verified + 1) revert RangeNotNext(verified + 1, first);
        if (last < first) revert EmptyRange(first, last);
        if (last > committedBatches) revert RangeNotCommitted(last, committedBatches);
        StoredBatch storage end = batches[last];
        // Ranges tile the batches from 1, so a range that ends at `last` and starts at `first`
        // is exactly the batches between.
        if (end.rangeFirst != first) revert RangeNotClosed(first, last);

        bytes32 oldRoot = stateRoot;
        uint256 input = uint256(sha256(abi.encodePacked(oldRoot, newRoot, end.rangeCommitment))) % R;
        verifier.verifyProof(proof, input);

        stateRoot = newRoot;
        verifiedBatches = last;
        verifiedPriorityOps = end.priorityOpsAfter;
        emit RangeProven(first, last, oldRoot, newRoot);
    }

    /// @notice Drops the last `count` committed batches, none of them proven, so that the
    ///         operator can commit others in their place. The batch left last must end a range
    ///         (or be batch 0): the open range is then empty, and the commit pointer and the
    ///         priority queue's position are those after that batch.
    function revertBatches(uint64 count) external notInExodus {
        if (msg.sender != operator) revert NotOperator(msg.sender);
        uint64 committed = committedBatches;
        if (count == 0 || count > committed) revert RevertCount(count, committed);
        uint64 keep = committed - count;
        uint64 verified = verifiedBatches;
        if (keep < verified) revert RevertProven(keep, verified);
        uint64 priorityOps;
        if (keep != 0) {
            StoredBatch storage kept = batches[keep];
            if (kept.rangeFirst == 0) revert RevertInsideRange(keep);
            priorityOps = kept.priorityOpsAfter;
        }
        // Cleared so that a later commit of the same number finds its slot fresh.
        for (uint64 n = keep + 1; n <= committed; n++) {
            delete batches[n];
        }
        committedBatches = keep;
        closedBatches = keep;
        committedPriorityOps = priorityOps;
        emit BatchesReverted(keep + 1, committed);
    }

    // -----------------------------------------------------------------------------------------
    // Exodus mode
    // -----------------------------------------------------------------------------------------

    /// @notice Starts exodus mode (anyone may call) once the oldest deposit that no proven
    ///         batch includes has outlived its deadline.
    function activateExodusMode() external notInExodus {
        uint64 next = verifiedPriorityOps;
        if (next >= totalPriorityOps) revert NoDepositPending();
        uint64 deadline = uint64(uint256(priorityQueue[next]));
        if (block.number <= deadline) revert DepositNotExpired(next, deadline);
        exodusMode = true;
        emit ExodusMode(next, deadline);
    }

    // -----------------------------------------------------------------------------------------
    // Withdrawals
    // -----------------------------------------------------------------------------------------

    /// @notice Pays out withdrawal `index` of proven batch `batch` to its recipient (anyone may
    ///         call, paused or not). `all` is the batch's every withdrawal, in order, as its
    ///         pubdata has them.
    function claimWithdrawal(uint64 batch, Withdrawal[] calldata all, uint256 index) external {
        if (batch == 0 || batch > verifiedBatches) revert BatchNotProven(batch, verifiedBatches);
        bytes32 h;
        for (uint256 i = 0; i < all.length; ++i) {
            h = chainWithdrawal(h, all[i]);
        }
        if (h != batches[batch].withdrawals) revert WithdrawalsMismatch(batch);
        if (index >= all.length) revert WithdrawalIndex(index, all.length);
        if (claimed[batch][index]) revert AlreadyClaimed(batch, index);
        // Marked before paying: a recipient that calls back finds it claimed.
        claimed[batch][index] = true;
        Withdrawal calldata w = all[index];
        if (w.token == ETH_TOKEN) {
            (bool ok,) = w.recipient.call{value: w.amount}("");
            if (!ok) revert TransferFailed(w.token, w.recipient, w.amount);
        } else {
            address token = tokenAddress[w.token];
            if (token == address(0) || !callToken(token, abi.encodeCall(IERC20.transfer, (w.recipient, w.amount)))) {
                revert TransferFailed(w.token, w.recipient, w.amount);
            }
        }
        emit WithdrawalClaimed(batch, index, w.recipient, w.token, w.amount);
    }

    /// @dev One link of a batch's withdrawal chain.
    function chainWithdrawal(bytes32 h, Withdrawal memory w) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(h, w.recipient, w.token, w.amount));
    }

    /// @dev Calls an ERC-20 and accepts both the standard `true` and tokens that return nothing.
    function callToken(address token, bytes memory data) internal returns (bool) {
        (bool ok, bytes memory ret) = token.call(data);
        return ok && token.code.length > 0 && (ret.length == 0 || abi.decode(ret, (bool)));
    }
}
