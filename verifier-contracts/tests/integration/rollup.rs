//! `Rollup.sol` on a real anvil node: batches committed with the pubdata zkr's
//! executor makes, ranges proven with Groth16 proofs checked by the generated
//! verifier, deposits and withdrawals of ether and an ERC-20, and every
//! rejection the contract owes.
//!
//! The proofs are of the one-input test circuit of `common` (`x · y = input`),
//! whose verifier the contract calls exactly as it calls the wrap's: the
//! contract's part is to recompute the input; that a wrong input fails is the
//! verifier's part, tested in `verifier.rs`.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::sync::OnceLock;

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, Bytes, B256, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::{TransactionReceipt, TransactionRequest};
use alloy::sol_types::{SolCall, SolValue};
use ark_bn254::Fr;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::PrimeField;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest as _, Sha256};
use zkr_aggregator::range_commitment;
use zkr_aggregator::wrap::public_input::digest_bytes;
use zkr_circuits::executor::{apply, BatchExecution};
use zkr_circuits::ops::pubdata::pubdata_len;
use zkr_circuits::ops::signing;
use zkr_circuits::ops::{Batch, Deposit, Operation, Signature, Withdraw};
use zkr_circuits::state::{MemoryBackend, PubKey, StateView};
use zkr_circuits::workload::{random_pubkey, workload_key, workload_pubkey};
use zkr_contracts::rollup::{compile_rollup, compile_test_token};
use zkr_contracts::{
    deploy, rollup_constructor_args, Anvil, Compiled, IRollup, ITestToken, RollupDelays,
};

use crate::common::{evm_proof, fixture, prove};
use zkr_circuits::ops::signing::DEFAULT_CHAIN_ID;
use IRollup::IRollupErrors as RollupError;

/// Chunks per batch of the contract under test.
const CAPACITY: usize = 8;
const ETHER: u128 = 1_000_000_000_000_000_000;
/// The delays of the contract under test, in blocks (anvil mines one block per
/// transaction; the tests mine more to pass a delay).
const DELAYS: RollupDelays = RollupDelays {
    priority_deadline: 40,
    governance_delay: 30,
};

fn rollup_code() -> &'static Compiled {
    static CODE: OnceLock<Compiled> = OnceLock::new();
    CODE.get_or_init(|| compile_rollup().unwrap_or_else(|e| panic!("Rollup.sol: {e}")))
}

fn token_code() -> &'static Compiled {
    static CODE: OnceLock<Compiled> = OnceLock::new();
    CODE.get_or_init(|| compile_test_token().unwrap_or_else(|e| panic!("TestToken.sol: {e}")))
}

/// The empty state's root, as the contract stores roots.
fn genesis_root() -> B256 {
    let backend = MemoryBackend::new();
    B256::from(digest_bytes(&StateView::new(&backend).root().unwrap()))
}

/// Pubdata of a batch of no-ops whose header (the operator id) is `tag`: a
/// distinct commitment per tag, for tests that need committed batches only.
fn noop_pubdata(tag: u32) -> Vec<u8> {
    let mut p = vec![0u8; pubdata_len(CAPACITY)];
    p[..4].copy_from_slice(&tag.to_be_bytes());
    p
}

fn sha256(bytes: &[u8]) -> B256 {
    B256::from(<[u8; 32]>::from(Sha256::digest(bytes)))
}

/// The wrap's public input for a range, computed here from the specification
/// (zkr-aggregator `wrap::public_input`), not by the contract.
fn public_input(old_root: B256, new_root: B256, commitments: &[B256]) -> Fr {
    let leaves: Vec<[u8; 32]> = commitments.iter().map(|c| c.0).collect();
    let mut preimage = Vec::with_capacity(96);
    preimage.extend_from_slice(old_root.as_slice());
    preimage.extend_from_slice(new_root.as_slice());
    preimage.extend_from_slice(&range_commitment(&leaves));
    Fr::from_be_bytes_mod_order(Sha256::digest(&preimage).as_slice())
}

/// A node with the verifier and the rollup deployed; account 0 owns and operates.
struct Chain {
    _anvil: Anvil,
    provider: DynProvider,
    accounts: Vec<Address>,
    rollup: Address,
    rng: ChaCha20Rng,
}

/// What a failed call must leave as it was.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    state_root: B256,
    committed: u64,
    verified: u64,
    priority: (u64, u64, u64),
    paused: bool,
    exodus: bool,
    closed: u64,
    batches: Vec<(B256, B256, u64, u64)>,
    eth: U256,
}

impl Chain {
    async fn deploy() -> Chain {
        let anvil = Anvil::start().await.unwrap();
        let provider = anvil.provider();
        let accounts = provider.get_accounts().await.unwrap();
        let verifier = deploy(&provider, accounts[0], &fixture().compiled, &[])
            .await
            .unwrap();
        let args = rollup_constructor_args(
            verifier.address,
            CAPACITY,
            genesis_root(),
            accounts[0],
            DELAYS,
        );
        let rollup = deploy(&provider, accounts[0], rollup_code(), &args)
            .await
            .unwrap();
        Chain {
            _anvil: anvil,
            provider,
            accounts,
            rollup: rollup.address,
            rng: ChaCha20Rng::seed_from_u64(7),
        }
    }

    fn contract(&self) -> IRollup::IRollupInstance<DynProvider> {
        IRollup::new(self.rollup, self.provider.clone())
    }

    fn tx(&self, from: Address, call: &impl SolCall) -> TransactionRequest {
        TransactionRequest::default()
            .from(from)
            .to(self.rollup)
            .with_input(Bytes::from(call.abi_encode()))
    }

    /// Sends a transaction that must succeed; returns its receipt.
    async fn send(&self, tx: TransactionRequest) -> TransactionReceipt {
        let receipt = self
            .provider
            .send_transaction(tx)
            .await
            .unwrap_or_else(|e| panic!("transaction refused: {e}"))
            .get_receipt()
            .await
            .unwrap();
        assert!(receipt.status(), "transaction reverted: {receipt:?}");
        receipt
    }

    /// Checks that `tx` reverts with `expected` (by `eth_call`), then mines it
    /// anyway and checks that it reverted and changed nothing.
    async fn reverts(&self, tx: TransactionRequest, expected: RollupError) {
        let before = self.snapshot().await;
        match self.provider.call(tx.clone()).await {
            Ok(_) => panic!("expected a revert with {expected:?}, the call succeeded"),
            Err(e) => {
                let got = e
                    .as_error_resp()
                    .and_then(|p| p.as_decoded_interface_error::<RollupError>());
                assert_eq!(
                    got.as_ref(),
                    Some(&expected),
                    "expected a revert with {expected:?}, got: {e}"
                );
            }
        }
        // A fixed gas limit: estimation would refuse to send a reverting call.
        let receipt = self
            .provider
            .send_transaction(tx.with_gas_limit(2_000_000))
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
        assert!(!receipt.status(), "expected a mined revert, got success");
        assert_eq!(
            self.snapshot().await,
            before,
            "a reverted call changed the state"
        );
    }

    async fn snapshot(&self) -> Snapshot {
        let c = self.contract();
        let committed = c.committedBatches().call().await.unwrap();
        let mut batches = Vec::new();
        for n in 1..=committed {
            let b = c.batches(U256::from(n)).call().await.unwrap();
            batches.push((
                b.withdrawals,
                b.rangeCommitment,
                b.priorityOpsAfter,
                b.rangeFirst,
            ));
        }
        Snapshot {
            state_root: c.stateRoot().call().await.unwrap(),
            committed,
            verified: c.verifiedBatches().call().await.unwrap(),
            priority: (
                c.totalPriorityOps().call().await.unwrap(),
                c.committedPriorityOps().call().await.unwrap(),
                c.verifiedPriorityOps().call().await.unwrap(),
            ),
            paused: c.paused().call().await.unwrap(),
            exodus: c.exodusMode().call().await.unwrap(),
            closed: c.closedBatches().call().await.unwrap(),
            batches,
            eth: self.provider.get_balance(self.rollup).await.unwrap(),
        }
    }

    fn operator(&self) -> Address {
        self.accounts[0]
    }

    /// Mines `blocks` empty blocks.
    async fn mine(&self, blocks: u64) {
        let _: serde_json::Value = self
            .provider
            .raw_request("anvil_mine".into(), (U256::from(blocks),))
            .await
            .unwrap_or_else(|e| panic!("anvil_mine {blocks}: {e}"));
    }

    async fn block_number(&self) -> u64 {
        self.provider.get_block_number().await.unwrap()
    }

    /// Mines empty blocks until the last one is `block`.
    async fn mine_to(&self, block: u64) {
        let now = self.block_number().await;
        assert!(block >= now, "block {block} is past (now {now})");
        self.mine(block - now).await;
    }

    /// The events of type `E` in a receipt.
    fn events<E: alloy::sol_types::SolEvent>(receipt: &TransactionReceipt) -> Vec<E> {
        receipt
            .inner
            .logs()
            .iter()
            .filter_map(|log| log.log_decode::<E>().ok())
            .map(|log| log.inner.data)
            .collect()
    }

    fn commit_tx(&self, number: u64, pubdata: &[u8], ends_range: bool) -> TransactionRequest {
        let call = IRollup::commitBatchCall {
            number,
            pubdata: Bytes::copy_from_slice(pubdata),
            endsRange: ends_range,
        };
        self.tx(self.operator(), &call)
    }

    async fn commit(&self, number: u64, pubdata: &[u8], ends_range: bool) -> TransactionReceipt {
        self.send(self.commit_tx(number, pubdata, ends_range)).await
    }

    /// A `proveRange` call with a valid proof for these values.
    fn prove_call(
        &mut self,
        range: RangeInclusive<u64>,
        old_root: B256,
        new_root: B256,
        commitments: &[B256],
    ) -> IRollup::proveRangeCall {
        let input = public_input(old_root, new_root, commitments);
        IRollup::proveRangeCall {
            first: *range.start(),
            last: *range.end(),
            newRoot: new_root,
            proof: evm_proof(&prove(input, &mut self.rng)),
        }
    }

    /// Another rollup of `capacity` with the same verifier and operator.
    async fn deploy_rollup(&self, verifier: Address, capacity: usize) -> Address {
        let args =
            rollup_constructor_args(verifier, capacity, genesis_root(), self.operator(), DELAYS);
        deploy(&self.provider, self.operator(), rollup_code(), &args)
            .await
            .unwrap()
            .address
    }

    async fn deploy_token(&self) -> Address {
        let token = deploy(
            &self.provider,
            self.operator(),
            token_code(),
            &("Test Token".to_owned(), "TT".to_owned()).abi_encode_params(),
        )
        .await
        .unwrap();
        let call = IRollup::registerTokenCall {
            token: token.address,
        };
        self.send(self.tx(self.operator(), &call)).await;
        token.address
    }

    fn deposit_eth_tx(
        &self,
        from: Address,
        account: u32,
        key: &PubKey,
        wei: u128,
    ) -> TransactionRequest {
        let call = IRollup::depositEthCall {
            account,
            pubkey: Bytes::copy_from_slice(&key.to_bytes()),
        };
        self.tx(from, &call).value(U256::from(wei))
    }
}

fn deposit(account: u32, pubkey: PubKey, token: u16, amount: u128, index: u64) -> Operation {
    Operation::Deposit(Deposit {
        account,
        pubkey,
        token,
        amount,
        priority_index: index,
    })
}

/// A withdrawal signed by the sender's workload key (the accounts here have those keys).
fn withdraw(from: u32, token: u16, amount: u128, to: Address) -> Operation {
    let mut op = Operation::Withdraw(Withdraw {
        from,
        token,
        amount,
        fee: 0,
        nonce: 0,
        to_l1: to.0 .0,
        signature: Signature::default(),
    });
    signing::sign(&mut op, &workload_key(from), DEFAULT_CHAIN_ID).expect("a withdrawal signs");
    op
}

fn root(digest_of: &BatchExecution) -> (B256, B256, B256) {
    (
        B256::from(digest_bytes(&digest_of.old_root)),
        B256::from(digest_bytes(&digest_of.new_root)),
        B256::from(digest_of.commitment),
    )
}

/// Gas of each call of the deposit and withdrawal test, pinned.
///
/// Moved with the deposit deadlines (issue 26): deposits and claims no longer
/// read the pause flag (-2,100 cold read each), a deposit packs its deadline
/// into its queue entry (+525 deposit), a commit compares 192-bit entries and
/// checks the exodus flag (+235 with deposits, +187 without). The first
/// deposit into an account stores the account's key hash (+22,486: a new
/// slot), so that no deposit the rollup would refuse is ever queued; a later
/// deposit into it reads it (about +2,400).
const FLOW_GAS: [(&str, u64); 6] = [
    ("depositEth", 97_336),
    ("depositErc20", 114_492),
    ("commitBatch with 2 deposits", 114_080),
    ("commitBatch with 2 withdrawals", 115_583),
    ("claimWithdrawal of ether", 90_469),
    ("claimWithdrawal of tokens", 91_765),
];

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn bindings_parsed_from_the_source_have_exactly_solcs_functions_events_and_errors() {
    let abi = &rollup_code().abi;
    let functions: BTreeSet<[u8; 4]> = abi.functions().map(|f| f.selector().0).collect();
    let bound: BTreeSet<[u8; 4]> = IRollup::IRollupCalls::SELECTORS.iter().copied().collect();
    assert_eq!(
        functions, bound,
        "functions: solc (left) vs bindings (right)"
    );

    let events: BTreeSet<B256> = abi.events().map(|e| e.selector()).collect();
    let bound: BTreeSet<B256> = IRollup::IRollupEvents::SELECTORS
        .iter()
        .map(|s| B256::from(*s))
        .collect();
    assert_eq!(events, bound, "events: solc (left) vs bindings (right)");

    let errors: BTreeSet<[u8; 4]> = abi.errors().map(|e| e.selector().0).collect();
    let bound: BTreeSet<[u8; 4]> = RollupError::SELECTORS.iter().copied().collect();
    assert_eq!(errors, bound, "errors: solc (left) vs bindings (right)");
    // proveRange lets the verifier's errors through: the rollup's ABI names them.
    let verifier_errors: BTreeSet<[u8; 4]> = fixture()
        .compiled
        .abi
        .errors()
        .map(|e| e.selector().0)
        .collect();
    assert!(
        verifier_errors.is_subset(&errors),
        "the verifier's errors {verifier_errors:x?} are not all in the rollup's ABI"
    );

    let code = rollup_code();
    assert!(
        code.warnings.is_empty(),
        "solc warnings: {:#?}",
        code.warnings
    );
    assert!(
        code.deployed_bytecode.len() <= 24_576,
        "Rollup runtime code is {} bytes, over the EIP-170 limit",
        code.deployed_bytecode.len()
    );
}

#[tokio::test]
async fn ranges_closed_by_commits_carry_the_aggregators_range_commitment() {
    let chain = Chain::deploy().await;
    // Every tree shape up to 17 batches, and both sides of 32 and 64.
    let lengths: Vec<u64> = (1..=17).chain([31, 32, 33, 63, 64, 65]).collect();
    let mut number = 0u64;
    for len in lengths {
        let first = number + 1;
        let mut leaves = Vec::new();
        let mut receipt = None;
        for i in 0..len {
            number += 1;
            let pubdata = noop_pubdata(number as u32);
            leaves.push(sha256(&pubdata).0);
            receipt = Some(chain.commit(number, &pubdata, i + 1 == len).await);
        }
        let expected = B256::from(range_commitment(&leaves));
        let c = chain.contract();
        let stored = c.batches(U256::from(number)).call().await.unwrap();
        assert_eq!(
            (stored.rangeCommitment, stored.rangeFirst),
            (expected, first),
            "range {first}..={number} ({len} batches): stored commitment and first batch"
        );
        if len > 1 {
            let inner = c.batches(U256::from(number - 1)).call().await.unwrap();
            assert_eq!(
                (inner.rangeCommitment, inner.rangeFirst),
                (B256::ZERO, 0),
                "batch {} is inside its range: no range stored with it",
                number - 1
            );
        }
        let closed: Vec<_> = receipt
            .expect("at least one batch")
            .inner
            .logs()
            .iter()
            .filter_map(|log| log.log_decode::<IRollup::RangeClosed>().ok())
            .map(|log| log.inner.data)
            .collect();
        assert_eq!(
            closed,
            vec![IRollup::RangeClosed {
                first,
                last: number,
                commitment: expected
            }],
            "events of the commit that closes range {first}..={number}"
        );
    }
    assert_eq!(
        chain.contract().closedBatches().call().await.unwrap(),
        number
    );
}

#[tokio::test]
async fn eth_and_token_deposits_reach_the_rollup_state_and_withdrawals_are_claimed_once() {
    let mut chain = Chain::deploy().await;
    let token = chain.deploy_token().await;
    let erc20 = ITestToken::new(token, chain.provider.clone());
    let user = chain.accounts[1];
    let mut backend = MemoryBackend::new();
    let (key0, key1) = (workload_pubkey(0), workload_pubkey(1));

    // L1: one ether deposit into account 0, one token deposit into account 1.
    let deposit_eth_gas = chain
        .send(chain.deposit_eth_tx(user, 0, &key0, ETHER))
        .await
        .gas_used;
    let tokens = 5 * ETHER;
    let mint = ITestToken::mintCall {
        to: user,
        amount: U256::from(tokens),
    };
    let approve = ITestToken::approveCall {
        spender: chain.rollup,
        amount: U256::from(tokens),
    };
    for call in [mint.abi_encode(), approve.abi_encode()] {
        let tx = TransactionRequest::default()
            .from(user)
            .to(token)
            .with_input(Bytes::from(call));
        chain.send(tx).await;
    }
    let call = IRollup::depositErc20Call {
        token,
        amount: tokens,
        account: 1,
        pubkey: Bytes::copy_from_slice(&key1.to_bytes()),
    };
    let deposit_token_gas = chain.send(chain.tx(user, &call)).await.gas_used;
    assert_eq!(chain.contract().totalPriorityOps().call().await.unwrap(), 2);

    // Batch 1 includes both, in queue order; it is committed and proven.
    let batch1 = Batch {
        number: 1,
        operator: 0,
        operations: vec![
            deposit(0, key0, 0, ETHER, 0),
            deposit(1, key1, 1, tokens, 1),
        ],
    };
    let exec1 = apply(&mut backend, &batch1, CAPACITY, DEFAULT_CHAIN_ID).unwrap();
    let (old1, new1, c1) = root(&exec1);
    assert_eq!(old1, genesis_root(), "batch 1 starts from the empty state");
    let commit_deposits_gas = chain.commit(1, &exec1.pubdata, true).await.gas_used;
    let prove1 = chain.prove_call(1..=1, old1, new1, &[c1]);
    chain.send(chain.tx(user, &prove1)).await;
    let c = chain.contract();
    assert_eq!(
        c.stateRoot().call().await.unwrap(),
        new1,
        "root after batch 1"
    );
    assert_eq!(c.verifiedPriorityOps().call().await.unwrap(), 2);
    let state = StateView::new(&backend);
    assert_eq!(
        state.balance(0, 0).unwrap(),
        ETHER,
        "account 0's ether in the rollup state"
    );
    assert_eq!(
        state.balance(1, 1).unwrap(),
        tokens,
        "account 1's tokens in the rollup state"
    );

    // Batch 2 withdraws part of each to two L1 addresses.
    let (to_eth, to_token) = (Address::repeat_byte(0xe1), Address::repeat_byte(0x70));
    let (eth_out, token_out) = (ETHER * 2 / 5, 2 * ETHER);
    let batch2 = Batch {
        number: 2,
        operator: 0,
        operations: vec![
            withdraw(0, 0, eth_out, to_eth),
            withdraw(1, 1, token_out, to_token),
        ],
    };
    let exec2 = apply(&mut backend, &batch2, CAPACITY, DEFAULT_CHAIN_ID).unwrap();
    let (old2, new2, c2) = root(&exec2);
    let commit_withdrawals_gas = chain.commit(2, &exec2.pubdata, true).await.gas_used;
    let all = vec![
        IRollup::Withdrawal {
            recipient: to_eth,
            token: 0,
            amount: eth_out,
        },
        IRollup::Withdrawal {
            recipient: to_token,
            token: 1,
            amount: token_out,
        },
    ];
    let claim = |index: u64, all: Vec<IRollup::Withdrawal>| IRollup::claimWithdrawalCall {
        batch: 2,
        all,
        index: U256::from(index),
    };
    chain
        .reverts(
            chain.tx(user, &claim(0, all.clone())),
            RollupError::BatchNotProven(IRollup::BatchNotProven {
                batch: 2,
                verified: 1,
            }),
        )
        .await;
    let prove2 = chain.prove_call(2..=2, old2, new2, &[c2]);
    chain.send(chain.tx(user, &prove2)).await;

    // A pause stops commits and proofs, never claims.
    chain
        .send(chain.tx(chain.operator(), &IRollup::pauseCall {}))
        .await;
    // A list that is not the batch's is refused; each claim pays once.
    let mut forged = all.clone();
    forged[0].amount += 1;
    chain
        .reverts(
            chain.tx(user, &claim(0, forged)),
            RollupError::WithdrawalsMismatch(IRollup::WithdrawalsMismatch { batch: 2 }),
        )
        .await;
    let claim_eth_gas = chain
        .send(chain.tx(user, &claim(0, all.clone())))
        .await
        .gas_used;
    let claim_token_gas = chain
        .send(chain.tx(user, &claim(1, all.clone())))
        .await
        .gas_used;
    let eth_balance = chain.provider.get_balance(to_eth).await.unwrap();
    let token_balance = erc20.balanceOf(to_token).call().await.unwrap();
    assert_eq!(eth_balance, U256::from(eth_out), "ether claimed");
    assert_eq!(token_balance, U256::from(token_out), "tokens claimed");
    for index in [0, 1] {
        chain
            .reverts(
                chain.tx(user, &claim(index, all.clone())),
                RollupError::AlreadyClaimed(IRollup::AlreadyClaimed {
                    batch: 2,
                    index: U256::from(index),
                }),
            )
            .await;
    }
    assert_eq!(
        chain.provider.get_balance(to_eth).await.unwrap(),
        eth_balance
    );
    assert_eq!(
        erc20.balanceOf(to_token).call().await.unwrap(),
        token_balance
    );

    let gas = [
        ("depositEth", deposit_eth_gas),
        ("depositErc20", deposit_token_gas),
        ("commitBatch with 2 deposits", commit_deposits_gas),
        ("commitBatch with 2 withdrawals", commit_withdrawals_gas),
        ("claimWithdrawal of ether", claim_eth_gas),
        ("claimWithdrawal of tokens", claim_token_gas),
    ];
    for (call, used) in gas {
        println!("{call}: {used} gas");
    }
    assert_eq!(gas, FLOW_GAS, "gas of the deposit and withdrawal calls");

    // What stays on L1 is what stays in the rollup.
    let state = StateView::new(&backend);
    assert_eq!(
        chain.provider.get_balance(chain.rollup).await.unwrap(),
        U256::from(state.balance(0, 0).unwrap()),
        "ether held on L1 vs in the rollup"
    );
    assert_eq!(
        erc20.balanceOf(chain.rollup).call().await.unwrap(),
        U256::from(state.balance(1, 1).unwrap()),
        "tokens held on L1 vs in the rollup"
    );
}

#[tokio::test]
async fn commits_out_of_order_malformed_or_not_by_the_operator_revert_and_change_nothing() {
    let chain = Chain::deploy().await;
    let expected_len = U256::from(pubdata_len(CAPACITY));
    let out_of_order =
        |expected, got| RollupError::BatchOutOfOrder(IRollup::BatchOutOfOrder { expected, got });
    chain
        .reverts(
            chain.commit_tx(2, &noop_pubdata(2), false),
            out_of_order(1, 2),
        )
        .await;
    for n in 1..=3 {
        chain.commit(n, &noop_pubdata(n as u32), false).await;
    }
    // A gap, a repeat, and a step back.
    for n in [5, 3, 1] {
        chain
            .reverts(
                chain.commit_tx(n, &noop_pubdata(9), false),
                out_of_order(4, n),
            )
            .await;
    }
    chain
        .reverts(
            chain.commit_tx(4, &noop_pubdata(4)[..100], false),
            RollupError::PubdataLength(IRollup::PubdataLength {
                expected: expected_len,
                got: U256::from(100),
            }),
        )
        .await;
    let mut unknown = noop_pubdata(4);
    unknown[4 + 24] = 9;
    chain
        .reverts(
            chain.commit_tx(4, &unknown, false),
            RollupError::UnknownOperation(IRollup::UnknownOperation {
                offset: U256::from(28),
                opType: 9,
            }),
        )
        .await;
    // A deposit in the last chunk has no room for its other two.
    let mut truncated = noop_pubdata(4);
    let last_chunk = 4 + 24 * (CAPACITY - 1);
    truncated[last_chunk] = 1;
    chain
        .reverts(
            chain.commit_tx(4, &truncated, false),
            RollupError::OperationTruncated(IRollup::OperationTruncated {
                offset: U256::from(last_chunk),
                opType: 1,
            }),
        )
        .await;
    // A deposit nobody made on L1.
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let key = random_pubkey(&mut rng);
    let unqueued = Batch {
        number: 4,
        operator: 0,
        operations: vec![deposit(0, key, 0, ETHER, 0)],
    };
    let mut backend = MemoryBackend::new();
    let pubdata = apply(
        &mut backend,
        &Batch {
            number: 1,
            ..unqueued.clone()
        },
        CAPACITY,
        DEFAULT_CHAIN_ID,
    )
    .unwrap()
    .pubdata;
    chain
        .reverts(
            chain.commit_tx(4, &pubdata, false),
            RollupError::DepositNotQueued(IRollup::DepositNotQueued {
                offset: U256::from(4),
                expectedIndex: 0,
                got: 0,
            }),
        )
        .await;
    // Queued, but for another amount than the batch credits.
    chain
        .send(chain.deposit_eth_tx(chain.accounts[1], 0, &key, ETHER + 1))
        .await;
    chain
        .reverts(
            chain.commit_tx(4, &pubdata, false),
            RollupError::DepositMismatch(IRollup::DepositMismatch {
                offset: U256::from(4),
                priorityIndex: 0,
            }),
        )
        .await;
    let stranger = chain.accounts[1];
    let call = IRollup::commitBatchCall {
        number: 4,
        pubdata: Bytes::from(noop_pubdata(4)),
        endsRange: false,
    };
    chain
        .reverts(
            chain.tx(stranger, &call),
            RollupError::NotOperator(IRollup::NotOperator { caller: stranger }),
        )
        .await;
    chain.commit(4, &noop_pubdata(4), false).await;
    assert_eq!(chain.contract().committedBatches().call().await.unwrap(), 4);
}

#[tokio::test]
async fn bad_range_proofs_revert_and_change_nothing_and_a_valid_one_advances_the_root_once() {
    let mut chain = Chain::deploy().await;
    let genesis = genesis_root();
    let commitments: Vec<B256> = (1..=5).map(|n| sha256(&noop_pubdata(n))).collect();
    // Ranges 1..=2 and 3..=3 closed; batch 4 open.
    for (n, ends_range) in [(1u64, false), (2, true), (3, true), (4, false)] {
        chain.commit(n, &noop_pubdata(n as u32), ends_range).await;
    }
    let prover = chain.accounts[2];
    let new_root = B256::repeat_byte(0x11);
    let valid = chain.prove_call(1..=2, genesis, new_root, &commitments[..2]);

    // The range must be next, non-empty, committed and closed exactly there.
    let not_closed =
        |first, last| RollupError::RangeNotClosed(IRollup::RangeNotClosed { first, last });
    let cases: Vec<(IRollup::proveRangeCall, RollupError)> = vec![
        (
            chain.prove_call(3..=3, genesis, new_root, &commitments[2..3]),
            RollupError::RangeNotNext(IRollup::RangeNotNext {
                expected: 1,
                first: 3,
            }),
        ),
        (
            IRollup::proveRangeCall {
                last: 0,
                ..valid.clone()
            },
            RollupError::EmptyRange(IRollup::EmptyRange { first: 1, last: 0 }),
        ),
        (
            chain.prove_call(1..=5, genesis, new_root, &commitments),
            RollupError::RangeNotCommitted(IRollup::RangeNotCommitted {
                last: 5,
                committed: 4,
            }),
        ),
        // Part of a range, two ranges, a range that is still open.
        (
            chain.prove_call(1..=1, genesis, new_root, &commitments[..1]),
            not_closed(1, 1),
        ),
        (
            chain.prove_call(1..=3, genesis, new_root, &commitments[..3]),
            not_closed(1, 3),
        ),
        (
            chain.prove_call(1..=4, genesis, new_root, &commitments[..4]),
            not_closed(1, 4),
        ),
    ];
    for (call, expected) in cases {
        chain.reverts(chain.tx(prover, &call), expected).await;
    }

    // Proofs that do not prove this range's input, and tampered proofs.
    let proof_invalid = RollupError::ProofInvalid(IRollup::ProofInvalid {});
    let one_batch = chain.prove_call(1..=1, genesis, new_root, &commitments[..1]);
    let other_range = IRollup::proveRangeCall {
        last: 2,
        ..one_batch
    };
    // Pubdata other than what was committed for batch 2, and the right batches reordered.
    let other_pubdata = chain.prove_call(
        1..=2,
        genesis,
        new_root,
        &[commitments[0], sha256(&noop_pubdata(22))],
    );
    let reordered = chain.prove_call(1..=2, genesis, new_root, &[commitments[1], commitments[0]]);
    let other_root = IRollup::proveRangeCall {
        newRoot: B256::repeat_byte(0x12),
        ..valid.clone()
    };
    let mut c_moved = valid.clone();
    let c = crate::common::g1_from(c_moved.proof[6], c_moved.proof[7]).unwrap();
    let moved = (c + ark_bn254::G1Affine::generator()).into_affine();
    let [cx, cy] = crate::common::g1_words(&moved).map(crate::common::u256);
    (c_moved.proof[6], c_moved.proof[7]) = (cx, cy);
    let mut off_curve = valid.clone();
    off_curve.proof[1] += U256::from(1);
    let mut above_q = valid.clone();
    above_q.proof[0] += crate::common::u256(zkr_contracts::vk::BASE_FIELD_MODULUS);
    let cases = vec![
        (other_range, proof_invalid.clone()),
        (other_pubdata, proof_invalid.clone()),
        (reordered, proof_invalid.clone()),
        (other_root, proof_invalid.clone()),
        (c_moved, proof_invalid.clone()),
        (
            off_curve,
            RollupError::PrecompileFailed(IRollup::PrecompileFailed {
                precompile: Address::with_last_byte(8),
            }),
        ),
        (
            above_q.clone(),
            RollupError::CoordinateNotInField(IRollup::CoordinateNotInField {
                index: U256::ZERO,
                value: above_q.proof[0],
            }),
        ),
    ];
    for (call, expected) in cases {
        chain.reverts(chain.tx(prover, &call), expected).await;
    }

    // The valid proof moves the root, once.
    let receipt = chain.send(chain.tx(prover, &valid)).await;
    let c = chain.contract();
    assert_eq!(c.stateRoot().call().await.unwrap(), new_root);
    assert_eq!(c.verifiedBatches().call().await.unwrap(), 2);
    let proven: Vec<_> = receipt
        .inner
        .logs()
        .iter()
        .filter_map(|log| log.log_decode::<IRollup::RangeProven>().ok())
        .map(|log| log.inner.data)
        .collect();
    assert_eq!(
        proven,
        vec![IRollup::RangeProven {
            first: 1,
            last: 2,
            oldRoot: genesis,
            newRoot: new_root
        }],
        "events of proveRange"
    );
    chain
        .reverts(
            chain.tx(prover, &valid),
            RollupError::RangeNotNext(IRollup::RangeNotNext {
                expected: 3,
                first: 1,
            }),
        )
        .await;
    // The next range starts from the new root.
    let stale = chain.prove_call(3..=3, genesis, new_root, &commitments[2..3]);
    chain.reverts(chain.tx(prover, &stale), proof_invalid).await;
    let next_root = B256::repeat_byte(0x13);
    let next = chain.prove_call(3..=3, new_root, next_root, &commitments[2..3]);
    chain.send(chain.tx(prover, &next)).await;
    assert_eq!(chain.contract().verifiedBatches().call().await.unwrap(), 3);
    // Batch 4's range is open until a commit closes it, with batch 5.
    let open = chain.prove_call(
        4..=4,
        next_root,
        B256::repeat_byte(0x14),
        &commitments[3..4],
    );
    chain
        .reverts(chain.tx(prover, &open), not_closed(4, 4))
        .await;
    chain.commit(5, &noop_pubdata(5), true).await;
    let last = chain.prove_call(4..=5, next_root, B256::repeat_byte(0x14), &commitments[3..]);
    chain.send(chain.tx(prover, &last)).await;
    assert_eq!(chain.contract().verifiedBatches().call().await.unwrap(), 5);
}

#[tokio::test]
async fn deposits_with_a_bad_key_amount_or_token_revert() {
    let chain = Chain::deploy().await;
    let user = chain.accounts[1];
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let key = random_pubkey(&mut rng);
    let invalid = RollupError::InvalidPubkey(IRollup::InvalidPubkey {});
    let mut limb_not_canonical = key.to_bytes();
    limb_not_canonical[8..16].copy_from_slice(&0xffff_ffff_0000_0001u64.to_be_bytes());
    for pubkey in [
        vec![0u8; 40],
        key.to_bytes()[..39].to_vec(),
        limb_not_canonical.to_vec(),
    ] {
        let call = IRollup::depositEthCall {
            account: 1,
            pubkey: Bytes::from(pubkey),
        };
        chain
            .reverts(
                chain.tx(user, &call).value(U256::from(ETHER)),
                invalid.clone(),
            )
            .await;
    }
    chain
        .reverts(
            chain.deposit_eth_tx(user, 1, &key, 0),
            RollupError::AmountZero(IRollup::AmountZero {}),
        )
        .await;
    let unregistered = Address::repeat_byte(0x77);
    let call = IRollup::depositErc20Call {
        token: unregistered,
        amount: 1,
        account: 1,
        pubkey: Bytes::copy_from_slice(&key.to_bytes()),
    };
    chain
        .reverts(
            chain.tx(user, &call),
            RollupError::UnknownToken(IRollup::UnknownToken {
                token: unregistered,
            }),
        )
        .await;
    // Without an allowance the token's transferFrom fails.
    let token = chain.deploy_token().await;
    let call = IRollup::depositErc20Call { token, ..call };
    chain
        .reverts(
            chain.tx(user, &call),
            RollupError::TransferFailed(IRollup::TransferFailed {
                token: 1,
                to: chain.rollup,
                amount: 1,
            }),
        )
        .await;
    let receipt = chain.send(chain.deposit_eth_tx(user, 1, &key, ETHER)).await;
    let block = receipt.block_number.expect("mined");
    assert_eq!(
        Chain::events::<IRollup::DepositQueued>(&receipt),
        vec![IRollup::DepositQueued {
            priorityIndex: 0,
            account: 1,
            token: 0,
            amount: ETHER,
            pubkey: Bytes::copy_from_slice(&key.to_bytes()),
            from: user,
            deadline: block + DELAYS.priority_deadline,
        }],
        "events of depositEth"
    );
}

#[tokio::test]
async fn paused_rollup_refuses_commits_and_proofs_until_unpaused_and_still_takes_deposits_and_exodus(
) {
    let mut chain = Chain::deploy().await;
    let (owner, user, anyone) = (chain.operator(), chain.accounts[1], chain.accounts[3]);
    let pause = IRollup::pauseCall {};
    chain
        .reverts(
            chain.tx(user, &pause),
            RollupError::NotOwner(IRollup::NotOwner { caller: user }),
        )
        .await;
    chain.send(chain.tx(owner, &pause)).await;
    let paused = RollupError::ContractPaused(IRollup::ContractPaused {});
    // Deposits go on while paused: a pause that outlives a deposit's deadline
    // ends in exodus mode, so no pause can hold the users' funds for good.
    let key = random_pubkey(&mut ChaCha20Rng::seed_from_u64(2));
    chain.send(chain.deposit_eth_tx(user, 1, &key, ETHER)).await;
    chain
        .reverts(chain.commit_tx(1, &noop_pubdata(1), true), paused.clone())
        .await;
    let unpause = IRollup::unpauseCall {};
    chain.send(chain.tx(owner, &unpause)).await;
    chain.commit(1, &noop_pubdata(1), true).await;
    chain.send(chain.tx(owner, &pause)).await;
    let prove = chain.prove_call(
        1..=1,
        genesis_root(),
        B256::repeat_byte(1),
        &[sha256(&noop_pubdata(1))],
    );
    chain.reverts(chain.tx(user, &prove), paused).await;
    chain.send(chain.tx(owner, &unpause)).await;
    chain.send(chain.tx(user, &prove)).await;
    assert_eq!(chain.contract().verifiedBatches().call().await.unwrap(), 1);

    // Paused again past the deposit's deadline: anyone starts exodus mode.
    chain.send(chain.tx(owner, &pause)).await;
    chain.mine(DELAYS.priority_deadline + 1).await;
    chain
        .send(chain.tx(anyone, &IRollup::activateExodusModeCall {}))
        .await;
    assert!(
        chain.contract().exodusMode().call().await.unwrap(),
        "expected exodus mode after the deadline, paused or not"
    );
}

/// Gas of `depositEth` into an account an earlier deposit made (its key hash
/// is read and compared, not stored).
const DEPOSIT_INTO_EXISTING_ACCOUNT_GAS: u64 = 60_177;

#[tokio::test]
async fn deposits_the_rollup_would_refuse_revert_on_l1_so_no_deposit_can_stop_the_queue() {
    let chain = Chain::deploy().await;
    let (user, attacker) = (chain.accounts[1], chain.accounts[4]);
    let attacker_key = random_pubkey(&mut ChaCha20Rng::seed_from_u64(5));
    let user_key = workload_pubkey(6);

    // A front-runner takes account 5 with its own key: the user's deposit into
    // 5 reverts at once (nothing is queued, nothing is lost)...
    chain
        .send(chain.deposit_eth_tx(attacker, 5, &attacker_key, 1))
        .await;
    chain
        .reverts(
            chain.deposit_eth_tx(user, 5, &user_key, ETHER),
            RollupError::PubkeyMismatch(IRollup::PubkeyMismatch { account: 5 }),
        )
        .await;
    // ...while a deposit with the account's key is queued, and the user's
    // deposit into account 6 too.
    let again = chain
        .send(chain.deposit_eth_tx(attacker, 5, &attacker_key, 2))
        .await
        .gas_used;
    println!("depositEth into an existing account: {again} gas");
    assert_eq!(
        again, DEPOSIT_INTO_EXISTING_ACCOUNT_GAS,
        "gas of a deposit into an account that has one"
    );
    chain
        .send(chain.deposit_eth_tx(user, 6, &user_key, ETHER))
        .await;
    let c = chain.contract();
    assert_eq!(
        c.accountKeyHash(5).call().await.unwrap(),
        alloy::primitives::keccak256(attacker_key.to_bytes()),
        "account 5's key is the first deposit's"
    );

    // A token deposit that would make the rollup hold more than 2^128 - 1
    // reverts; up to 2^128 - 1 is queued.
    let token = chain.deploy_token().await;
    let mint = ITestToken::mintCall {
        to: user,
        amount: U256::from(u128::MAX) + U256::from(5),
    };
    let approve = ITestToken::approveCall {
        spender: chain.rollup,
        amount: U256::MAX,
    };
    for call in [mint.abi_encode(), approve.abi_encode()] {
        let tx = TransactionRequest::default()
            .from(user)
            .to(token)
            .with_input(Bytes::from(call));
        chain.send(tx).await;
    }
    let deposit_tokens = |amount| IRollup::depositErc20Call {
        token,
        amount,
        account: 6,
        pubkey: Bytes::copy_from_slice(&user_key.to_bytes()),
    };
    chain.send(chain.tx(user, &deposit_tokens(u128::MAX))).await;
    chain
        .reverts(
            chain.tx(user, &deposit_tokens(1)),
            RollupError::HoldingsLimit(IRollup::HoldingsLimit {
                token: 1,
                holdings: U256::from(u128::MAX) + U256::from(1),
            }),
        )
        .await;
    // Every queued deposit is one the rules accept: two batches (a deposit is
    // 3 of a batch's 8 chunks) take them all, in queue order, and commit.
    let mut backend = MemoryBackend::new();
    let batches = [
        vec![
            deposit(5, attacker_key, 0, 1, 0),
            deposit(5, attacker_key, 0, 2, 1),
        ],
        vec![
            deposit(6, user_key, 0, ETHER, 2),
            deposit(6, user_key, 1, u128::MAX, 3),
        ],
    ];
    for (i, operations) in batches.into_iter().enumerate() {
        // Account 5, made by the first deposit, takes the (zero) fees.
        let batch = Batch {
            number: i as u64 + 1,
            operator: 5,
            operations,
        };
        let exec = apply(&mut backend, &batch, CAPACITY, DEFAULT_CHAIN_ID).unwrap_or_else(|e| {
            panic!(
                "the executor refused queued deposits of batch {}: {e}",
                i + 1
            )
        });
        chain.commit(i as u64 + 1, &exec.pubdata, i == 1).await;
    }
    assert_eq!(
        chain
            .contract()
            .committedPriorityOps()
            .call()
            .await
            .unwrap(),
        4,
        "every queued deposit is committed"
    );
}

/// Pubdata of a batch holding one ether deposit of `amount` into `account`
/// (a new account with `key`), at priority index `index`. (Pubdata does not
/// carry the batch number: it is made as a first batch.)
fn deposit_pubdata(account: u32, key: PubKey, amount: u128, index: u64) -> Vec<u8> {
    let batch = Batch {
        number: 1,
        operator: 0,
        operations: vec![deposit(account, key, 0, amount, index)],
    };
    apply(
        &mut MemoryBackend::new(),
        &batch,
        CAPACITY,
        DEFAULT_CHAIN_ID,
    )
    .expect("a deposit into a new account applies")
    .pubdata
}

#[tokio::test]
async fn a_deposit_unproven_past_its_deadline_lets_anyone_start_exodus_mode_which_stops_the_rollup()
{
    let mut chain = Chain::deploy().await;
    let (user, anyone) = (chain.accounts[1], chain.accounts[3]);
    let activate = IRollup::activateExodusModeCall {};
    let none_pending = RollupError::NoDepositPending(IRollup::NoDepositPending {});
    chain
        .reverts(chain.tx(anyone, &activate), none_pending.clone())
        .await;

    // Deposit 0 is proven in time: its deadline passing later changes nothing.
    let key = workload_pubkey(0);
    let queued = chain.send(chain.deposit_eth_tx(user, 0, &key, ETHER)).await;
    let deadline0 = queued.block_number.expect("mined") + DELAYS.priority_deadline;
    chain
        .reverts(
            chain.tx(anyone, &activate),
            RollupError::DepositNotExpired(IRollup::DepositNotExpired {
                priorityIndex: 0,
                deadline: deadline0,
            }),
        )
        .await;
    let mut backend = MemoryBackend::new();
    let batch1 = Batch {
        number: 1,
        operator: 0,
        operations: vec![deposit(0, key, 0, ETHER, 0)],
    };
    let exec1 = apply(&mut backend, &batch1, CAPACITY, DEFAULT_CHAIN_ID).unwrap();
    let (old1, new1, c1) = root(&exec1);
    chain.commit(1, &exec1.pubdata, true).await;
    let prove1 = chain.prove_call(1..=1, old1, new1, &[c1]);
    chain.send(chain.tx(user, &prove1)).await;
    chain.mine(DELAYS.priority_deadline + 1).await;
    chain
        .reverts(chain.tx(anyone, &activate), none_pending)
        .await;

    // Deposit 1 is committed but never proven: committing is not settling.
    let queued = chain.send(chain.deposit_eth_tx(user, 0, &key, ETHER)).await;
    let deadline1 = queued.block_number.expect("mined") + DELAYS.priority_deadline;
    let batch2 = Batch {
        number: 2,
        operator: 0,
        operations: vec![deposit(0, key, 0, ETHER, 1)],
    };
    let exec2 = apply(&mut backend, &batch2, CAPACITY, DEFAULT_CHAIN_ID).unwrap();
    let (old2, new2, c2) = root(&exec2);
    chain.commit(2, &exec2.pubdata, true).await;
    chain.mine_to(deadline1 - 2).await;
    chain
        .reverts(
            chain.tx(anyone, &activate),
            RollupError::DepositNotExpired(IRollup::DepositNotExpired {
                priorityIndex: 1,
                deadline: deadline1,
            }),
        )
        .await;
    chain.mine(2).await;
    let receipt = chain.send(chain.tx(anyone, &activate)).await;
    assert_eq!(
        Chain::events::<IRollup::ExodusMode>(&receipt),
        vec![IRollup::ExodusMode {
            priorityIndex: 1,
            deadline: deadline1
        }],
        "events of activateExodusMode"
    );

    // Nothing moves the rollup any more; the last proven root stays.
    let exodus = RollupError::InExodusMode(IRollup::InExodusMode {});
    let prove2 = chain.prove_call(2..=2, old2, new2, &[c2]);
    let calls = [
        chain.tx(anyone, &activate),
        chain.deposit_eth_tx(user, 0, &key, ETHER),
        chain.commit_tx(3, &noop_pubdata(3), true),
        chain.tx(user, &prove2),
        chain.tx(chain.operator(), &IRollup::revertBatchesCall { count: 1 }),
    ];
    for call in calls {
        chain.reverts(call, exodus.clone()).await;
    }
    let c = chain.contract();
    assert!(c.exodusMode().call().await.unwrap(), "exodus mode is set");
    assert_eq!(
        c.stateRoot().call().await.unwrap(),
        new1,
        "the last proven root"
    );
}

#[tokio::test]
async fn reverted_batches_are_committed_and_proven_again_and_no_revert_crosses_a_proof_or_splits_a_range(
) {
    let mut chain = Chain::deploy().await;
    let (operator, user) = (chain.operator(), chain.accounts[1]);
    let key = workload_pubkey(0);
    // Batch 1 proven; deposit 0 in batch 2; range 2..=3 closed; batch 4 open.
    chain.commit(1, &noop_pubdata(1), true).await;
    let root1 = B256::repeat_byte(0x21);
    let prove1 = chain.prove_call(1..=1, genesis_root(), root1, &[sha256(&noop_pubdata(1))]);
    chain.send(chain.tx(user, &prove1)).await;
    chain.send(chain.deposit_eth_tx(user, 0, &key, ETHER)).await;
    let with_deposit = deposit_pubdata(0, key, ETHER, 0);
    chain.commit(2, &with_deposit, false).await;
    chain.commit(3, &noop_pubdata(3), true).await;
    chain.commit(4, &noop_pubdata(4), false).await;
    let c = chain.contract();
    assert_eq!(c.committedPriorityOps().call().await.unwrap(), 1);

    let revert = |count| IRollup::revertBatchesCall { count };
    let count_error =
        |count, committed| RollupError::RevertCount(IRollup::RevertCount { count, committed });
    let cases = [
        (
            user,
            revert(1),
            RollupError::NotOperator(IRollup::NotOperator { caller: user }),
        ),
        (operator, revert(0), count_error(0, 4)),
        (operator, revert(5), count_error(5, 4)),
        (
            operator,
            revert(4),
            RollupError::RevertProven(IRollup::RevertProven {
                keep: 0,
                verified: 1,
            }),
        ),
        (
            operator,
            revert(2),
            RollupError::RevertInsideRange(IRollup::RevertInsideRange { keep: 2 }),
        ),
    ];
    for (from, call, expected) in cases {
        chain.reverts(chain.tx(from, &call), expected).await;
    }

    // Dropping the open batch 4 keeps range 2..=3.
    let receipt = chain.send(chain.tx(operator, &revert(1))).await;
    assert_eq!(
        Chain::events::<IRollup::BatchesReverted>(&receipt),
        vec![IRollup::BatchesReverted { first: 4, last: 4 }]
    );
    let at = |committed, closed, priority| (committed, closed, priority);
    let pointers = |c: IRollup::IRollupInstance<DynProvider>| async move {
        at(
            c.committedBatches().call().await.unwrap(),
            c.closedBatches().call().await.unwrap(),
            c.committedPriorityOps().call().await.unwrap(),
        )
    };
    assert_eq!(
        pointers(chain.contract()).await,
        (3, 3, 1),
        "(committed, closed, committed deposits) after dropping batch 4"
    );
    // Dropping range 2..=3 gives deposit 0 back to the queue.
    let receipt = chain.send(chain.tx(operator, &revert(2))).await;
    assert_eq!(
        Chain::events::<IRollup::BatchesReverted>(&receipt),
        vec![IRollup::BatchesReverted { first: 2, last: 3 }]
    );
    assert_eq!(
        pointers(chain.contract()).await,
        (1, 1, 0),
        "(committed, closed, committed deposits) after dropping batches 2 to 4"
    );
    for n in 2..=4u64 {
        let b = chain
            .contract()
            .batches(U256::from(n))
            .call()
            .await
            .unwrap();
        assert_eq!(
            (
                b.withdrawals,
                b.rangeCommitment,
                b.priorityOpsAfter,
                b.rangeFirst
            ),
            (B256::ZERO, B256::ZERO, 0, 0),
            "batch {n} is cleared"
        );
    }

    // Other batches in their place, with the same deposit, commit and prove.
    let replacement = noop_pubdata(33);
    chain.commit(2, &with_deposit, false).await;
    chain.commit(3, &replacement, true).await;
    let root3 = B256::repeat_byte(0x23);
    let prove = chain.prove_call(
        2..=3,
        root1,
        root3,
        &[sha256(&with_deposit), sha256(&replacement)],
    );
    chain.send(chain.tx(user, &prove)).await;
    let c = chain.contract();
    assert_eq!(
        (
            c.verifiedBatches().call().await.unwrap(),
            c.verifiedPriorityOps().call().await.unwrap(),
            c.stateRoot().call().await.unwrap()
        ),
        (3, 1, root3),
        "(proven batches, proven deposits, root) after proving the new range"
    );
    // Proven batches are never reverted.
    chain
        .reverts(
            chain.tx(operator, &revert(1)),
            RollupError::RevertProven(IRollup::RevertProven {
                keep: 2,
                verified: 3,
            }),
        )
        .await;
}

#[tokio::test]
async fn operator_and_owner_changes_take_effect_only_after_the_governance_delay() {
    let chain = Chain::deploy().await;
    let (owner, new_operator, new_owner, anyone) = (
        chain.operator(),
        chain.accounts[1],
        chain.accounts[2],
        chain.accounts[3],
    );
    let apply_operator = IRollup::applyOperatorCall {};
    let nothing_pending = RollupError::NothingPending(IRollup::NothingPending {});
    let propose_operator = |operator| IRollup::proposeOperatorCall {
        newOperator: operator,
    };
    chain
        .reverts(
            chain.tx(anyone, &propose_operator(new_operator)),
            RollupError::NotOwner(IRollup::NotOwner { caller: anyone }),
        )
        .await;
    chain
        .reverts(chain.tx(anyone, &apply_operator), nothing_pending.clone())
        .await;

    let receipt = chain
        .send(chain.tx(owner, &propose_operator(new_operator)))
        .await;
    let due = receipt.block_number.expect("mined") + DELAYS.governance_delay;
    assert_eq!(
        Chain::events::<IRollup::OperatorProposed>(&receipt),
        vec![IRollup::OperatorProposed {
            operator: new_operator,
            effectiveBlock: due
        }]
    );
    // Before the delay the change waits and the old operator still commits.
    let now = chain.block_number().await;
    chain
        .reverts(
            chain.tx(anyone, &apply_operator),
            RollupError::ChangeNotDue(IRollup::ChangeNotDue {
                effectiveBlock: due,
                blockNumber: now + 1,
            }),
        )
        .await;
    chain.commit(1, &noop_pubdata(1), false).await;
    chain.mine_to(due).await;
    let receipt = chain.send(chain.tx(anyone, &apply_operator)).await;
    assert_eq!(
        Chain::events::<IRollup::OperatorChanged>(&receipt),
        vec![IRollup::OperatorChanged {
            previous: owner,
            operator: new_operator
        }]
    );
    chain
        .reverts(
            chain.commit_tx(2, &noop_pubdata(2), false),
            RollupError::NotOperator(IRollup::NotOperator { caller: owner }),
        )
        .await;
    let commit = IRollup::commitBatchCall {
        number: 2,
        pubdata: Bytes::from(noop_pubdata(2)),
        endsRange: false,
    };
    chain.send(chain.tx(new_operator, &commit)).await;

    // Ownership: only the proposed owner takes it, and only after the delay.
    let propose_owner = IRollup::proposeOwnerCall {
        newOwner: new_owner,
    };
    let receipt = chain.send(chain.tx(owner, &propose_owner)).await;
    let due = receipt.block_number.expect("mined") + DELAYS.governance_delay;
    assert_eq!(
        Chain::events::<IRollup::OwnerProposed>(&receipt),
        vec![IRollup::OwnerProposed {
            owner: new_owner,
            effectiveBlock: due
        }]
    );
    let accept = IRollup::acceptOwnershipCall {};
    chain
        .reverts(
            chain.tx(anyone, &accept),
            RollupError::NotPendingOwner(IRollup::NotPendingOwner { caller: anyone }),
        )
        .await;
    let now = chain.block_number().await;
    chain
        .reverts(
            chain.tx(new_owner, &accept),
            RollupError::ChangeNotDue(IRollup::ChangeNotDue {
                effectiveBlock: due,
                blockNumber: now + 1,
            }),
        )
        .await;
    chain.mine_to(due).await;
    let receipt = chain.send(chain.tx(new_owner, &accept)).await;
    assert_eq!(
        Chain::events::<IRollup::OwnershipTransferred>(&receipt),
        vec![IRollup::OwnershipTransferred {
            previous: owner,
            owner: new_owner
        }]
    );
    chain
        .reverts(
            chain.tx(owner, &IRollup::pauseCall {}),
            RollupError::NotOwner(IRollup::NotOwner { caller: owner }),
        )
        .await;

    // A withdrawn proposal never takes effect.
    chain
        .send(chain.tx(new_owner, &propose_operator(anyone)))
        .await;
    chain
        .send(chain.tx(new_owner, &propose_operator(Address::ZERO)))
        .await;
    chain.mine(DELAYS.governance_delay + 1).await;
    chain
        .reverts(chain.tx(anyone, &apply_operator), nothing_pending)
        .await;
    assert_eq!(
        chain.contract().operator().call().await.unwrap(),
        new_operator
    );
}

/// `proveRange`'s gas target, for any range of up to 64 batches. The range
/// commitment is built as the batches are committed, so proving reads one
/// stored value whatever the range's length.
const PROVE_RANGE_GAS_TARGET: u64 = 260_000;

/// Transfer-only pubdata of `capacity` chunks with random operation bytes (the
/// contract reads nothing of a transfer but its type): the costliest calldata.
fn transfer_pubdata(capacity: usize, rng: &mut ChaCha20Rng) -> Vec<u8> {
    let mut p = vec![0u8; pubdata_len(capacity)];
    rand::RngCore::fill_bytes(rng, &mut p);
    for chunk in p[4..].chunks_exact_mut(24) {
        chunk[0] = 2;
    }
    p
}

#[tokio::test]
async fn gas_of_commits_and_range_proofs_is_pinned_and_ranges_up_to_64_batches_prove_within_260k() {
    let mut chain = Chain::deploy().await;
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let pubdata: Vec<Vec<u8>> = (0..64)
        .map(|_| transfer_pubdata(CAPACITY, &mut rng))
        .collect();
    let commitments: Vec<B256> = pubdata.iter().map(|p| sha256(p)).collect();

    // Each length is a range from batch 1 on a rollup of its own next to this
    // one (the one of 64 batches is this one).
    let verifier = chain.contract().verifier().call().await.unwrap();
    let mut prove_gas = Vec::new();
    let mut commit_gas: Vec<Vec<u64>> = Vec::new();
    for n in [1usize, 2, 3, 8, 16, 32, 63, 64] {
        let rollup = if n == 64 {
            chain.rollup
        } else {
            chain.deploy_rollup(verifier, CAPACITY).await
        };
        let mut gas = Vec::new();
        for (i, p) in pubdata[..n].iter().enumerate() {
            let call = IRollup::commitBatchCall {
                number: i as u64 + 1,
                pubdata: Bytes::copy_from_slice(p),
                endsRange: i + 1 == n,
            };
            let receipt = chain
                .send(chain.tx(chain.operator(), &call).to(rollup))
                .await;
            gas.push(receipt.gas_used);
        }
        commit_gas.push(gas);
        let call = chain.prove_call(
            1..=n as u64,
            genesis_root(),
            B256::repeat_byte(7),
            &commitments[..n],
        );
        let gas = chain
            .send(chain.tx(chain.accounts[2], &call).to(rollup))
            .await
            .gas_used;
        prove_gas.push((n, gas));
    }
    let range_64 = &commit_gas[commit_gas.len() - 1];
    let range_63 = &commit_gas[commit_gas.len() - 2];

    // Pubdata bytes: a rollup of capacity 64 next to this one (capacity 8).
    let wide = chain.deploy_rollup(verifier, 64).await;
    let wide_pubdata = transfer_pubdata(64, &mut rng);
    let call = IRollup::commitBatchCall {
        number: 1,
        pubdata: Bytes::from(wide_pubdata.clone()),
        endsRange: false,
    };
    let tx = chain.tx(chain.operator(), &call).to(wide);
    let wide_gas = chain.send(tx).await.gas_used;
    let per_byte = (wide_gas - range_64[0]) as f64 / (wide_pubdata.len() - pubdata[0].len()) as f64;

    let (least, most) = (
        range_64.iter().min().expect("64 commits"),
        range_64.iter().max().expect("64 commits"),
    );
    println!(
        "commitBatch, capacity 8 ({} bytes): batch 1 {} gas, batch 2 {} gas, batches 1 to 64 from {least} to {most} gas",
        pubdata[0].len(),
        range_64[0],
        range_64[1],
    );
    println!(
        "commitBatch closing a range: of 63 batches {} gas, of 64 batches {} gas",
        range_63[62], range_64[63]
    );
    println!("commitBatch, capacity 64 ({} bytes): batch 1 {wide_gas} gas; {per_byte:.1} gas per pubdata byte", wide_pubdata.len());
    for (n, gas) in &prove_gas {
        println!("proveRange of {n:>2} batches: {gas} gas");
    }

    assert_eq!(
        (range_64[0], range_64[1], range_63[62], range_64[63], wide_gas),
        COMMIT_GAS,
        "commitBatch gas (at capacity 8: batch 1, batch 2, the commit closing 63 batches, the one closing 64; at capacity 64: batch 1)"
    );
    assert_eq!(
        prove_gas,
        PROVE_RANGE_GAS.to_vec(),
        "proveRange gas by range length"
    );
    for (n, gas) in prove_gas {
        assert!(
            gas <= PROVE_RANGE_GAS_TARGET,
            "proveRange of {n} batches took {gas} gas, above {PROVE_RANGE_GAS_TARGET}"
        );
    }
}

/// Gas of `commitBatch`: at capacity 8, batch 1, batch 2, the commit that
/// closes a range of 63 and the one that closes 64; at capacity 64, batch 1.
/// (+187 each with exodus mode: the flag is read beside `closedBatches`.)
const COMMIT_GAS: (u64, u64, u64, u64, u64) = (80_865, 66_309, 121_264, 123_654, 117_038);
/// Gas of `proveRange` by range length, with the test's seeded proofs and
/// pubdata. (+2,098 each with exodus mode: one cold read of its flag's slot.)
const PROVE_RANGE_GAS: [(usize, u64); 8] = [
    (1, 240_205),
    (2, 240_193),
    (3, 240_205),
    (8, 240_181),
    (16, 240_205),
    (32, 240_205),
    (63, 240_193),
    (64, 240_193),
];

#[tokio::test]
async fn the_constructor_refuses_a_zero_delay_or_a_zero_operator_and_deploy_says_so() {
    let chain = Chain::deploy().await;
    let verifier = deploy(&chain.provider, chain.operator(), &fixture().compiled, &[])
        .await
        .expect("a verifier deploys");
    let no_delay = RollupDelays {
        priority_deadline: 0,
        ..DELAYS
    };
    let no_governance_delay = RollupDelays {
        governance_delay: 0,
        ..DELAYS
    };
    for (what, operator, delays) in [
        ("a zero deposit deadline", chain.operator(), no_delay),
        (
            "a zero governance delay",
            chain.operator(),
            no_governance_delay,
        ),
        ("a zero operator", Address::ZERO, DELAYS),
    ] {
        let args =
            rollup_constructor_args(verifier.address, CAPACITY, genesis_root(), operator, delays);
        // A hang guard only: a refused creation is answered at once.
        let result = tokio::time::timeout(
            std::time::Duration::from_secs(300),
            deploy(&chain.provider, chain.operator(), rollup_code(), &args),
        )
        .await
        .unwrap_or_else(|_| panic!("hang guard: deploying with {what} did not return"));
        match result {
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.contains("Rollup"),
                    "{what}: expected the error to name the contract, got: {msg}"
                );
            }
            Ok(d) => panic!(
                "{what}: expected the creation refused, it deployed at {}",
                d.address
            ),
        }
    }
}
