//! Random valid batches, for the demo, tests and benchmarks.
//!
//! A batch is generated against the state it will be applied to and tracks
//! what its own earlier operations did (nonces, balances, new accounts, the L1
//! priority index, fee slots), so it always executes. Amounts and fees are
//! drawn, then rounded down to the nearest value the pubdata packing can hold.
//!
//! Accounts a workload creates get the key [`workload_key`] derives from their id, so later
//! batches can sign for them; accounts with any other key never send.

use std::collections::BTreeMap;

use plonky2::field::types::Field64;
use rand::seq::SliceRandom;
use rand::Rng;

use crate::ecgfp5::SecretKey;
use crate::executor::{ExecError, FEE_SLOTS};
use crate::ops::pubdata::{DEPOSIT_CHUNKS, TRANSFER_CHUNKS, WITHDRAW_CHUNKS};
use crate::ops::signing::{self, ChainId};
use crate::ops::{
    pack_amount, pack_fee, Batch, Deposit, Operation, Signature, Transfer, Withdraw,
    AMOUNT_PACKING, FEE_PACKING,
};
use crate::state::{AccountId, PubKey, StateBackend, StateError, StateView, TokenId, F};

/// The account workload batches pay their fees to.
pub const OPERATOR: AccountId = 0;
/// Workload tokens are `0..WORKLOAD_TOKENS`; a random batch only sees balances in these.
pub const WORKLOAD_TOKENS: TokenId = 8;
/// A random batch reads accounts `0..SCANNED_ACCOUNTS` from the state.
pub const SCANNED_ACCOUNTS: AccountId = 256;

/// One whole token in base units (18 decimals, as on L1).
const UNIT: u128 = 1_000_000_000_000_000_000;
/// Consecutive failed draws after which a batch is closed with the chunks it has.
const MAX_FAILED_DRAWS: usize = 64;

/// Why a workload cannot be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkloadError {
    /// The genesis token count is outside what random batches read back.
    #[error("genesis tokens must be 1..={max}, got {got}")]
    Tokens {
        /// Requested token count.
        got: TokenId,
        /// Largest supported count.
        max: TokenId,
    },
}

/// Number of non-operator accounts whose genesis deposits fit in `capacity` chunks.
pub fn genesis_accounts_for_capacity(capacity: usize) -> u32 {
    let deposits = capacity / DEPOSIT_CHUNKS;
    u32::try_from(deposits.saturating_sub(1)).unwrap_or(u32::MAX)
}

/// Pubdata chunks of the genesis batch of `accounts` accounts plus the operator.
pub fn genesis_chunks(accounts: u32) -> usize {
    (accounts as usize + 1) * DEPOSIT_CHUNKS
}

/// A random public key: five canonical, non-zero Goldilocks limbs.
pub fn random_pubkey<R: Rng + ?Sized>(rng: &mut R) -> PubKey {
    PubKey(std::array::from_fn(|_| rng.gen_range(1..F::ORDER)))
}

/// The secret key of workload account `id`: derived from the id, so anyone can sign for it
/// (test and demo accounts only).
pub fn workload_key(id: AccountId) -> SecretKey {
    let mut seed = b"zkr workload account ".to_vec();
    seed.extend_from_slice(&id.to_le_bytes());
    SecretKey::from_seed(&seed)
}

/// The public key of workload account `id`.
pub fn workload_pubkey(id: AccountId) -> PubKey {
    workload_key(id).public_key().to_pubkey()
}

/// Batch 1 for an empty state: one deposit creating the operator (account 0,
/// token 0) and one creating each of accounts `1..=accounts`, in a token of
/// `0..tokens`.
pub fn genesis_batch<R: Rng + ?Sized>(
    accounts: u32,
    tokens: TokenId,
    rng: &mut R,
) -> Result<Batch, WorkloadError> {
    if tokens == 0 || tokens > WORKLOAD_TOKENS {
        return Err(WorkloadError::Tokens {
            got: tokens,
            max: WORKLOAD_TOKENS,
        });
    }
    let operations = (0..=accounts)
        .map(|id| {
            let token = if id == OPERATOR {
                0
            } else {
                rng.gen_range(0..tokens)
            };
            Operation::Deposit(Deposit {
                account: id,
                pubkey: workload_pubkey(id),
                token,
                amount: random_deposit_amount(rng),
                priority_index: id as u64,
            })
        })
        .collect();
    Ok(Batch {
        number: 1,
        operator: OPERATOR,
        operations,
    })
}

/// A random batch `number` that executes on `backend`'s committed state: a mix
/// of transfers, withdrawals and deposits filling up to `capacity` chunks, fees
/// in at most [`FEE_SLOTS`] tokens, paid to `operator`. If `operator` does not
/// exist yet, the first operation creates it. Operations involve accounts
/// `0..SCANNED_ACCOUNTS` and the operator, in tokens `0..WORKLOAD_TOKENS`; transfers and
/// withdrawals are signed for chain `chain_id`.
pub fn random_batch<B: StateBackend, R: Rng + ?Sized>(
    backend: &B,
    number: u64,
    operator: AccountId,
    capacity: usize,
    chain_id: ChainId,
    rng: &mut R,
) -> Result<Batch, ExecError> {
    let view = StateView::new(backend);
    let mut model = Model::read(&view, operator, chain_id)?;
    let mut operations = Vec::new();
    let mut free = capacity;

    if !model.accounts.contains_key(&operator) && free >= DEPOSIT_CHUNKS {
        let amount = random_deposit_amount(rng);
        let op = model.deposit_to(operator, 0, amount);
        free -= op.chunks();
        operations.push(op);
    }

    let mut failed_draws = 0;
    while failed_draws < MAX_FAILED_DRAWS {
        let kinds = model.feasible_kinds(free);
        let Some(kind) = kinds.choose_weighted(rng, |k| k.weight()).ok().copied() else {
            break;
        };
        let op = match kind {
            Kind::Transfer => model.transfer(rng),
            Kind::Withdraw => model.withdraw(rng),
            Kind::Deposit => model.deposit(&view, rng)?,
        };
        match op {
            Some(op) => {
                free -= op.chunks();
                operations.push(op);
                failed_draws = 0;
            }
            None => failed_draws += 1,
        }
    }

    Ok(Batch {
        number,
        operator,
        operations,
    })
}

/// A batch of signed transfers only, as many as fit in `capacity` chunks
/// (fewer only when no sender has funds left), between accounts of the state
/// in `backend`, fees paid to `operator` (which must exist): the workload the
/// settlement benchmark settles.
pub fn transfer_batch<B: StateBackend, R: Rng + ?Sized>(
    backend: &B,
    number: u64,
    operator: AccountId,
    capacity: usize,
    chain_id: ChainId,
    rng: &mut R,
) -> Result<Batch, ExecError> {
    let view = StateView::new(backend);
    let mut model = Model::read(&view, operator, chain_id)?;
    let mut operations = Vec::new();
    let mut failed_draws = 0;
    while operations.len() * TRANSFER_CHUNKS + TRANSFER_CHUNKS <= capacity
        && failed_draws < MAX_FAILED_DRAWS
    {
        match model.transfer(rng) {
            Some(op) => {
                operations.push(op);
                failed_draws = 0;
            }
            None => failed_draws += 1,
        }
    }
    Ok(Batch {
        number,
        operator,
        operations,
    })
}

/// A deposit of 1 to 10,000 whole tokens, in steps of 0.001.
fn random_deposit_amount<R: Rng + ?Sized>(rng: &mut R) -> u128 {
    rng.gen_range(1_000..=10_000_000u128) * (UNIT / 1_000)
}

/// The largest `mantissa * 10^e <= value` whose mantissa fits `mantissa_bits`
/// bits (callers still check the exponent range with the packer).
fn round_down_packable(value: u128, mantissa_bits: u32) -> u128 {
    let mut mantissa = value;
    let mut scale = 1u128;
    while mantissa >= 1u128 << mantissa_bits {
        mantissa /= 10;
        scale *= 10;
    }
    mantissa * scale
}

/// Operation kinds, as the generator draws them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Transfer,
    Withdraw,
    Deposit,
}

impl Kind {
    fn chunks(self) -> usize {
        match self {
            Kind::Transfer => TRANSFER_CHUNKS,
            Kind::Withdraw => WITHDRAW_CHUNKS,
            Kind::Deposit => DEPOSIT_CHUNKS,
        }
    }

    /// Relative frequency: mostly transfers, as on a payment rollup.
    fn weight(&self) -> u32 {
        match self {
            Kind::Transfer => 6,
            Kind::Withdraw => 2,
            Kind::Deposit => 2,
        }
    }
}

/// What the generator knows of an account, including this batch's effects.
#[derive(Clone, Debug)]
struct AccountModel {
    pubkey: PubKey,
    /// The account's key, when it is the workload's (else it cannot send).
    key: Option<SecretKey>,
    nonce: u32,
    /// Non-zero balances only.
    balances: BTreeMap<TokenId, u128>,
}

impl AccountModel {
    /// Holds funds and can sign for them.
    fn can_send(&self) -> bool {
        self.key.is_some() && !self.balances.is_empty()
    }
}

/// The state as the batch so far has left it.
struct Model {
    accounts: BTreeMap<AccountId, AccountModel>,
    /// Tokens deposits are drawn from: those held somewhere, else token 0.
    tokens: Vec<TokenId>,
    next_priority_index: u64,
    /// Fee tokens used so far, in slot order, with the fees collected.
    fees: Vec<(TokenId, u128)>,
    /// The operator's balances before the batch (fees are credited after it).
    operator_balances: BTreeMap<TokenId, u128>,
    /// Lowest id that may still be free for a new account.
    next_free_probe: AccountId,
    /// The chain operations are signed for.
    chain_id: ChainId,
}

impl Model {
    fn read<B: StateBackend>(
        view: &StateView<'_, B>,
        operator: AccountId,
        chain_id: ChainId,
    ) -> Result<Self, StateError> {
        let mut accounts = BTreeMap::new();
        let mut tokens = Vec::new();
        // The operator is read wherever it is, so that it is never re-created.
        let ids = (0..SCANNED_ACCOUNTS).chain((operator >= SCANNED_ACCOUNTS).then_some(operator));
        for id in ids {
            let account = view.account(id)?;
            if !account.exists() {
                continue;
            }
            let mut balances = BTreeMap::new();
            for token in 0..WORKLOAD_TOKENS {
                let balance = view.balance(id, token)?;
                if balance > 0 {
                    balances.insert(token, balance);
                    if !tokens.contains(&token) {
                        tokens.push(token);
                    }
                }
            }
            let key = workload_key(id);
            let key = (key.public_key().to_pubkey() == account.pubkey).then_some(key);
            accounts.insert(
                id,
                AccountModel {
                    pubkey: account.pubkey,
                    key,
                    nonce: account.nonce,
                    balances,
                },
            );
        }
        if tokens.is_empty() {
            tokens.push(0);
        }
        tokens.sort_unstable();
        let operator_balances = (0..WORKLOAD_TOKENS)
            .map(|t| Ok((t, view.balance(operator, t)?)))
            .collect::<Result<_, StateError>>()?;
        Ok(Self {
            accounts,
            tokens,
            next_priority_index: view.meta()?.next_priority_index,
            fees: Vec::new(),
            operator_balances,
            next_free_probe: 0,
            chain_id,
        })
    }

    fn feasible_kinds(&self, free: usize) -> Vec<Kind> {
        let funded = self.accounts.values().any(AccountModel::can_send);
        [Kind::Transfer, Kind::Withdraw, Kind::Deposit]
            .into_iter()
            .filter(|k| k.chunks() <= free)
            .filter(|k| match k {
                Kind::Transfer => funded && self.accounts.len() >= 2,
                Kind::Withdraw => funded,
                Kind::Deposit => true,
            })
            .collect()
    }

    /// A funded account, one of its tokens and that balance.
    fn pick_sender<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<(AccountId, TokenId, u128)> {
        let funded: Vec<AccountId> = self
            .accounts
            .iter()
            .filter(|(_, a)| a.can_send())
            .map(|(id, _)| *id)
            .collect();
        let id = *funded.choose(rng)?;
        let balances = &self.accounts.get(&id)?.balances;
        let (token, balance) = balances.iter().nth(rng.gen_range(0..balances.len()))?;
        Some((id, *token, *balance))
    }

    /// A packable fee of at most a quarter of `balance`; zero when the token
    /// would need a fifth fee slot or the operator's balance would overflow.
    fn draw_fee<R: Rng + ?Sized>(&self, token: TokenId, balance: u128, rng: &mut R) -> u128 {
        let slot_free = self.fees.len() < FEE_SLOTS || self.fees.iter().any(|(t, _)| *t == token);
        if !slot_free || rng.gen_ratio(1, 5) {
            return 0;
        }
        let wanted = rng.gen_range(1..2048u128) * 10u128.pow(rng.gen_range(9..=13));
        let fee = round_down_packable(wanted.min(balance / 4), FEE_PACKING.mantissa_bits);
        let collected = self
            .fees
            .iter()
            .find(|(t, _)| *t == token)
            .map_or(0, |(_, total)| *total);
        let operator_balance = self.operator_balances.get(&token).copied().unwrap_or(0);
        let credit_fits = operator_balance
            .checked_add(collected)
            .and_then(|b| b.checked_add(fee))
            .is_some();
        if pack_fee(fee).is_some() && credit_fits {
            fee
        } else {
            0
        }
    }

    fn collect_fee(&mut self, token: TokenId, fee: u128) {
        if fee == 0 {
            return;
        }
        match self.fees.iter_mut().find(|(t, _)| *t == token) {
            Some((_, total)) => *total += fee,
            None => self.fees.push((token, fee)),
        }
    }

    /// Debits `amount + fee` and raises the nonce; returns the nonce the operation carries.
    fn debit(&mut self, id: AccountId, token: TokenId, amount: u128, fee: u128) -> Option<u32> {
        let account = self.accounts.get_mut(&id)?;
        let nonce = account.nonce;
        let balance = account.balances.get(&token).copied().unwrap_or(0);
        let left = balance.checked_sub(amount.checked_add(fee)?)?;
        account.nonce = nonce.checked_add(1)?;
        if left == 0 {
            account.balances.remove(&token);
        } else {
            account.balances.insert(token, left);
        }
        Some(nonce)
    }

    fn balance(&self, id: AccountId, token: TokenId) -> u128 {
        self.accounts
            .get(&id)
            .and_then(|a| a.balances.get(&token))
            .copied()
            .unwrap_or(0)
    }

    fn credit(&mut self, id: AccountId, token: TokenId, amount: u128) {
        if amount == 0 {
            return;
        }
        if let Some(account) = self.accounts.get_mut(&id) {
            *account.balances.entry(token).or_insert(0) += amount;
        }
    }

    fn transfer<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<Operation> {
        let (from, token, balance) = self.pick_sender(rng)?;
        let recipients: Vec<AccountId> = self
            .accounts
            .keys()
            .copied()
            .filter(|&id| id != from)
            .collect();
        let to = *recipients.choose(rng)?;
        let fee = self.draw_fee(token, balance, rng);
        // Up to half of what is left, so senders keep funds for later batches.
        let spendable = (balance - fee) / 2;
        let amount =
            round_down_packable(rng.gen_range(0..=spendable), AMOUNT_PACKING.mantissa_bits);
        pack_amount(amount)?;
        self.balance(to, token).checked_add(amount)?;
        let nonce = self.debit(from, token, amount, fee)?;
        self.credit(to, token, amount);
        self.collect_fee(token, fee);
        self.signed(
            from,
            Operation::Transfer(Transfer {
                from,
                to,
                token,
                amount,
                fee,
                nonce,
                signature: Signature::default(),
            }),
        )
    }

    /// `op` signed by `from`, whose key the model holds (it was picked as a sender).
    fn signed(&self, from: AccountId, mut op: Operation) -> Option<Operation> {
        let key = self.accounts.get(&from)?.key.as_ref()?;
        signing::sign(&mut op, key, self.chain_id).ok()?;
        Some(op)
    }

    fn withdraw<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<Operation> {
        let (from, token, balance) = self.pick_sender(rng)?;
        let fee = self.draw_fee(token, balance, rng);
        let amount = rng.gen_range(0..=balance - fee);
        let nonce = self.debit(from, token, amount, fee)?;
        self.collect_fee(token, fee);
        self.signed(
            from,
            Operation::Withdraw(Withdraw {
                from,
                token,
                amount,
                fee,
                nonce,
                to_l1: rng.gen(),
                signature: Signature::default(),
            }),
        )
    }

    /// A deposit to a new account (one time in three) or to an existing one.
    fn deposit<B: StateBackend, R: Rng + ?Sized>(
        &mut self,
        view: &StateView<'_, B>,
        rng: &mut R,
    ) -> Result<Option<Operation>, StateError> {
        let token = self.tokens.choose(rng).copied().unwrap_or(0);
        let existing: Vec<AccountId> = self.accounts.keys().copied().collect();
        let id = match existing.choose(rng) {
            Some(&id) if !rng.gen_ratio(1, 3) => id,
            _ => match self.free_account_id(view)? {
                Some(id) => id,
                None => return Ok(None),
            },
        };
        let amount = random_deposit_amount(rng);
        if self.balance(id, token).checked_add(amount).is_none() {
            return Ok(None);
        }
        Ok(Some(self.deposit_to(id, token, amount)))
    }

    /// A deposit creating `id` with its workload key, or topping it up under its own key;
    /// recorded in the model.
    fn deposit_to(&mut self, id: AccountId, token: TokenId, amount: u128) -> Operation {
        let priority_index = self.next_priority_index;
        self.next_priority_index += 1;
        let pubkey = self
            .accounts
            .entry(id)
            .or_insert_with(|| {
                let key = workload_key(id);
                AccountModel {
                    pubkey: key.public_key().to_pubkey(),
                    key: Some(key),
                    nonce: 0,
                    balances: BTreeMap::new(),
                }
            })
            .pubkey;
        self.credit(id, token, amount);
        Operation::Deposit(Deposit {
            account: id,
            pubkey,
            token,
            amount,
            priority_index,
        })
    }

    /// The lowest account id that is empty in the state and not created by this batch.
    fn free_account_id<B: StateBackend>(
        &mut self,
        view: &StateView<'_, B>,
    ) -> Result<Option<AccountId>, StateError> {
        let mut id = self.next_free_probe;
        loop {
            if !self.accounts.contains_key(&id) && !view.account(id)?.exists() {
                self.next_free_probe = id.saturating_add(1);
                return Ok(Some(id));
            }
            match id.checked_add(1) {
                Some(next) => id = next,
                None => return Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::executor::{apply, execute};
    use crate::ops::signing::DEFAULT_CHAIN_ID as CHAIN;
    use crate::state::MemoryBackend;

    /// A state after a genesis of `accounts` accounts in `tokens` tokens.
    fn genesis_state(accounts: u32, tokens: TokenId, rng: &mut ChaCha8Rng) -> MemoryBackend {
        let mut backend = MemoryBackend::new();
        let genesis = genesis_batch(accounts, tokens, rng).expect("genesis parameters are valid");
        if let Err(e) = apply(&mut backend, &genesis, genesis_chunks(accounts), CHAIN) {
            panic!("genesis batch should apply, got: {e}");
        }
        backend
    }

    fn fee_tokens(batch: &Batch) -> Vec<TokenId> {
        let mut tokens: Vec<TokenId> = batch
            .operations
            .iter()
            .filter_map(|op| match op {
                Operation::Transfer(t) if t.fee > 0 => Some(t.token),
                Operation::Withdraw(w) if w.fee > 0 => Some(w.token),
                _ => None,
            })
            .collect();
        tokens.sort_unstable();
        tokens.dedup();
        tokens
    }

    #[test]
    fn random_batches_execute_and_fill_capacity_for_several_seeds() {
        for capacity in [8, 32] {
            for seed in 0..6u64 {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                let mut backend = genesis_state(12, 3, &mut rng);
                for number in 2..7 {
                    let batch = random_batch(&backend, number, OPERATOR, capacity, CHAIN, &mut rng)
                        .expect("reading a memory state cannot fail");
                    assert_eq!(
                        batch.chunks(),
                        capacity,
                        "seed {seed} capacity {capacity} batch {number}: expected a full batch, got {} chunks",
                        batch.chunks()
                    );
                    if let Err(e) = apply(&mut backend, &batch, capacity, CHAIN) {
                        panic!("seed {seed} capacity {capacity}: expected batch {number} to execute, got: {e}");
                    }
                }
            }
        }
    }

    #[test]
    fn transfer_batches_are_full_of_signed_transfers_that_execute() {
        let capacity = 32;
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut backend = genesis_state(24, 3, &mut rng);
        // Enough batches that senders spend most of what they hold.
        for number in 2..22 {
            let batch = transfer_batch(&backend, number, OPERATOR, capacity, CHAIN, &mut rng)
                .expect("reading a memory state cannot fail");
            let others: Vec<_> = batch
                .operations
                .iter()
                .filter(|op| !matches!(op, Operation::Transfer(_)))
                .collect();
            assert!(
                others.is_empty(),
                "batch {number}: expected transfers only, got {others:?}"
            );
            assert_eq!(
                batch.chunks(),
                capacity,
                "batch {number}: expected {capacity} one-chunk transfers, got {} chunks",
                batch.chunks()
            );
            if let Err(e) = apply(&mut backend, &batch, capacity, CHAIN) {
                panic!("batch {number}: expected the transfers to execute, got: {e}");
            }
        }
    }

    #[test]
    fn genesis_fitted_to_capacity_executes_as_one_batch() {
        for capacity in [8, 32, 128] {
            let accounts = genesis_accounts_for_capacity(capacity);
            let mut rng = ChaCha8Rng::seed_from_u64(capacity as u64);
            let genesis = genesis_batch(accounts, 3, &mut rng).expect("valid genesis");
            assert!(
                genesis.chunks() <= capacity,
                "capacity {capacity}: expected genesis within capacity, got {} chunks",
                genesis.chunks()
            );
            assert_eq!(genesis.operations.len(), accounts as usize + 1);
            let exec = execute(&MemoryBackend::new(), &genesis, capacity, CHAIN);
            assert!(
                exec.is_ok(),
                "capacity {capacity}: genesis rejected: {:?}",
                exec.err()
            );
        }
    }

    #[test]
    fn random_batches_use_at_most_the_fee_slots() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut backend = genesis_state(40, WORKLOAD_TOKENS, &mut rng);
        for number in 2..8 {
            let batch = random_batch(&backend, number, OPERATOR, 64, CHAIN, &mut rng)
                .expect("memory state");
            let tokens = fee_tokens(&batch);
            assert!(
                tokens.len() <= FEE_SLOTS,
                "batch {number}: expected at most {FEE_SLOTS} fee tokens, got {tokens:?}"
            );
            if let Err(e) = apply(&mut backend, &batch, 64, CHAIN) {
                panic!("batch {number} should execute, got: {e}");
            }
        }
    }

    #[test]
    fn random_batch_mixes_all_operation_kinds() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut backend = genesis_state(12, 3, &mut rng);
        let mut kinds = BTreeMap::new();
        for number in 2..6 {
            let batch = random_batch(&backend, number, OPERATOR, 32, CHAIN, &mut rng)
                .expect("memory state");
            for op in &batch.operations {
                *kinds.entry(op.kind()).or_insert(0) += 1;
            }
            apply(&mut backend, &batch, 32, CHAIN).expect("generated batch executes");
        }
        for kind in ["deposit", "transfer", "withdraw"] {
            assert!(
                kinds.contains_key(kind),
                "expected some {kind} in 4 batches, got {kinds:?}"
            );
        }
    }

    #[test]
    fn random_batch_on_an_empty_state_creates_the_operator_first() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let backend = MemoryBackend::new();
        let batch = random_batch(&backend, 1, 5, 8, CHAIN, &mut rng).expect("memory state");
        match batch.operations.first() {
            Some(Operation::Deposit(d)) => assert_eq!(
                d.account, 5,
                "expected the first deposit to create the operator"
            ),
            other => panic!("expected a deposit creating the operator first, got {other:?}"),
        }
        let exec = execute(&backend, &batch, 8, CHAIN);
        assert!(
            exec.is_ok(),
            "expected the batch to execute, got {:?}",
            exec.err()
        );
    }

    #[test]
    fn operator_beyond_the_scanned_accounts_is_found_not_recreated() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut backend = genesis_state(3, 2, &mut rng);
        let far = SCANNED_ACCOUNTS + 10;
        let first = random_batch(&backend, 2, far, 8, CHAIN, &mut rng).expect("memory state");
        apply(&mut backend, &first, 8, CHAIN).expect("batch creating the far operator executes");
        let second = random_batch(&backend, 3, far, 8, CHAIN, &mut rng).expect("memory state");
        let key = crate::executor::account_key(&backend, far).expect("memory state");
        for op in &second.operations {
            if let Operation::Deposit(d) = op {
                if d.account == far {
                    assert_eq!(
                        d.pubkey, key,
                        "expected deposits to operator {far} to reuse its key"
                    );
                }
            }
        }
        if let Err(e) = execute(&backend, &second, 8, CHAIN) {
            panic!("expected the second batch to execute, got: {e}");
        }
    }

    #[test]
    fn same_seed_gives_the_same_batches() {
        let make = || {
            let mut rng = ChaCha8Rng::seed_from_u64(99);
            let backend = genesis_state(5, 2, &mut rng);
            random_batch(&backend, 2, OPERATOR, 32, CHAIN, &mut rng).expect("memory state")
        };
        assert_eq!(make(), make());
    }

    #[test]
    fn genesis_rejects_token_counts_random_batches_cannot_see() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        for tokens in [0, WORKLOAD_TOKENS + 1] {
            assert_eq!(
                genesis_batch(3, tokens, &mut rng),
                Err(WorkloadError::Tokens {
                    got: tokens,
                    max: WORKLOAD_TOKENS
                })
            );
        }
    }

    #[test]
    fn rounding_down_gives_the_largest_packable_value_not_above() {
        let v = (1u128 << 35) * 10 + 123_456;
        let r = round_down_packable(v, AMOUNT_PACKING.mantissa_bits);
        assert!(
            r <= v && pack_amount(r).is_some(),
            "expected packable <= {v}, got {r}"
        );
        assert!(
            pack_amount(r + 10).is_none() || r + 10 > v,
            "expected {r} to be the largest packable value"
        );
        assert_eq!(round_down_packable(2047, FEE_PACKING.mantissa_bits), 2047);
        assert_eq!(
            round_down_packable(20_479, FEE_PACKING.mantissa_bits),
            20_470
        );
    }
}

/// Why a batch chain could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// Bad generator settings.
    #[error(transparent)]
    Workload(#[from] WorkloadError),
    /// A generated batch did not execute (a generator bug).
    #[error(transparent)]
    Exec(#[from] ExecError),
}

/// A batch with the roots around it, as a sequencer submits it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainedBatch {
    /// The batch.
    pub batch: Batch,
    /// State root before it.
    pub old_root: crate::state::Digest,
    /// State root after it.
    pub new_root: crate::state::Digest,
}

/// `count` consecutive valid batches from an empty state (batch 1 is the genesis
/// deposits, as many accounts as fit), generated from `seed`.
pub fn batch_chain(
    count: usize,
    capacity: usize,
    chain_id: ChainId,
    seed: u64,
) -> Result<Vec<ChainedBatch>, ChainError> {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut state = crate::state::MemoryBackend::new();
    let mut out = Vec::with_capacity(count);
    for number in 1..=count as u64 {
        let batch = if number == 1 {
            genesis_batch(genesis_accounts_for_capacity(capacity), 3, &mut rng)?
        } else {
            random_batch(&state, number, OPERATOR, capacity, chain_id, &mut rng)?
        };
        let old_root = StateView::new(&state).root().map_err(ExecError::from)?;
        let exec = crate::executor::apply(&mut state, &batch, capacity, chain_id)?;
        out.push(ChainedBatch {
            batch,
            old_root,
            new_root: exec.new_root,
        });
    }
    Ok(out)
}
