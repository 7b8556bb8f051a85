//! One chunk slot: the rules of the operation that starts in it, its two lanes,
//! and its pubdata words.
//!
//! Pubdata words (big-endian u32) of an operation, as `ops::pubdata` lays them out:
//! chunk 0 is emitted by the slot itself, chunks 1 and 2 by the next two slots,
//! which must then start no operation of their own.

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;

use super::lane::LaneTargets;
use crate::ecgfp5::{Gfp5, Point};
use crate::executor::FEE_SLOTS;
use crate::gadgets::ecgfp5::{
    CircuitBuilderSchnorr, Gfp5Target, SignatureTarget, WitnessWriteSignature,
};
use crate::gadgets::float::Unpack;
use crate::gadgets::nonzero::NonZeroIf;
use crate::gadgets::uint128::{limbs_of, scale_u128, SumEq, U128Target};
use crate::ops::signing::{ChainId, TRANSFER_DOMAIN, WITHDRAW_DOMAIN};
use crate::ops::{Packed, AMOUNT_PACKING, FEE_PACKING};
use crate::state::{PubKey, F};
use crate::witness::{SlotKind, SlotWitness};

/// Words per pubdata chunk.
pub const CHUNK_WORDS: usize = 6;

/// Targets of one slot.
#[derive(Clone, Debug)]
pub struct SlotTargets {
    /// A deposit starts here.
    pub is_dep: BoolTarget,
    /// A transfer starts here.
    pub is_tr: BoolTarget,
    /// A withdrawal starts here.
    pub is_wd: BoolTarget,
    account_a: Target,
    account_b: Target,
    token: Target,
    amount: U128Target,
    /// Top 32 bits of the 35-bit packed amount mantissa.
    m_hi: Target,
    /// `(m_lo(3) << 5 | exp(5)) << 16 | fee_packed(16)`: the packed bytes after `m_hi`.
    low24: Target,
    nonce: Target,
    priority: [Target; 2],
    dep_pk_hi: [Target; 5],
    dep_pk_lo: [Target; 5],
    address: [Target; 5],
    fee_sel: [BoolTarget; FEE_SLOTS],
    key_empty: BoolTarget,
    signature: SignatureTarget,
    lane_a: LaneTargets,
    lane_b: LaneTargets,
    amount_unpack: Unpack,
    fee_unpack: Unpack,
    sum_a: SumEq,
    sum_b: SumEq,
    sender_exists: NonZeroIf,
    recipient_exists: NonZeroIf,
    deposit_key: NonZeroIf,
    /// The fee in limbs (zero unless a signed operation starts here).
    pub fee: U128Target,
    /// Chunk 0 of the operation.
    pub own_words: [Target; CHUNK_WORDS],
    /// Chunk 1 of the operation (emitted by the next slot).
    pub next_words: [Target; CHUNK_WORDS],
    /// Chunk 2 of the operation (emitted by the slot after next).
    pub next2_words: [Target; CHUNK_WORDS],
    /// `is_dep + is_tr + is_wd`.
    pub active: Target,
}

fn le_sum_range(b: &mut CircuitBuilder<F, 2>, bits: &[BoolTarget]) -> Target {
    b.le_sum(bits.iter())
}

impl SlotTargets {
    /// Builds the slot's constraints; the state flows from `root_in` to the returned root.
    /// Transfers and withdrawals must carry their sender's signature for chain `chain_id`.
    pub fn build(
        b: &mut CircuitBuilder<F, 2>,
        root_in: HashOutTarget,
        fee_tokens: &[Target; FEE_SLOTS],
        chain_id: ChainId,
    ) -> (Self, HashOutTarget) {
        let is_dep = b.add_virtual_bool_target_safe();
        let is_tr = b.add_virtual_bool_target_safe();
        let is_wd = b.add_virtual_bool_target_safe();
        let active = b.add_many([is_dep.target, is_tr.target, is_wd.target]);
        let signed = b.add(is_tr.target, is_wd.target);
        let one = b.one();
        let not_signed = b.sub(one, signed);

        let account_a = b.add_virtual_target();
        let account_b = b.add_virtual_target();
        let token = b.add_virtual_target();
        let a_bits = b.split_le(account_a, 32);
        let b_bits = b.split_le(account_b, 32);
        let token_bits = b.split_le(token, crate::state::BALANCE_TREE_DEPTH);

        // Packed amount and fee.
        let m_hi = b.add_virtual_target();
        let low24 = b.add_virtual_target();
        let low_bits = b.split_le(low24, 24);
        let fee_exp = le_sum_range(b, &low_bits[0..5]);
        let fee_man = le_sum_range(b, &low_bits[5..16]);
        let fee_packed = le_sum_range(b, &low_bits[0..16]);
        let amt_exp = le_sum_range(b, &low_bits[16..21]);
        let m_lo = le_sum_range(b, &low_bits[21..24]);
        let amt_man = b.mul_const_add(F::from_canonical_u64(8), m_hi, m_lo);
        // No fee unless a signed operation starts here.
        let stray_fee = b.mul(not_signed, fee_man);
        b.assert_zero(stray_fee);

        // Canonical packing (the smallest exponent): a non-zero exponent only when
        // the mantissa one exponent lower would not fit, i.e. 10 * mantissa >= 2^bits.
        require_canonical(
            b,
            is_tr.target,
            amt_man,
            amt_exp,
            AMOUNT_PACKING.mantissa_bits,
        );
        require_canonical(b, signed, fee_man, fee_exp, FEE_PACKING.mantissa_bits);

        let amount: U128Target = std::array::from_fn(|_| b.add_virtual_target());
        let amount_unpack = Unpack::build(b, amt_man, amt_exp);
        let fee_unpack = Unpack::build(b, fee_man, fee_exp);
        let fee = fee_unpack.value;
        for (a, u) in amount.iter().zip(amount_unpack.value) {
            let d = b.sub(*a, u);
            let g = b.mul(is_tr.target, d);
            b.assert_zero(g);
        }

        // Lane A: depositee or sender.
        let lane_a = LaneTargets::new(b);
        let nonce = b.add_virtual_target();
        let d = b.sub(nonce, lane_a.nonce_before);
        let g = b.mul(signed, d);
        b.assert_zero(g);
        let nonce_after = b.add(lane_a.nonce_before, signed);
        b.range_check(nonce_after, 32);

        let dep_pk_hi: [Target; 5] = std::array::from_fn(|_| b.add_virtual_target());
        let dep_pk_lo: [Target; 5] = std::array::from_fn(|_| b.add_virtual_target());
        let max_hi = b.constant(F::from_canonical_u64(0xffff_ffff));
        let dep_pk: [Target; 5] = std::array::from_fn(|j| {
            // Canonical limb: hi == 2^32 - 1 forces lo == 0 (so the limb is < p).
            let at_max = b.is_equal(dep_pk_hi[j], max_hi);
            let t = b.mul(at_max.target, dep_pk_lo[j]);
            b.assert_zero(t);
            b.mul_const_add(F::from_canonical_u64(1 << 32), dep_pk_hi[j], dep_pk_lo[j])
        });
        let key_empty = b.add_virtual_bool_target_safe();
        for j in 0..5 {
            let t = b.mul(key_empty.target, lane_a.pk_before[j]);
            b.assert_zero(t);
        }
        let t = b.mul(signed, key_empty.target);
        b.assert_zero(t);
        let active_key = b.mul(active, key_empty.target);
        let must_exist = b.sub(active, active_key);
        let sender_exists = NonZeroIf::build(b, &lane_a.pk_before, must_exist);
        let deposit_key = NonZeroIf::build(b, &dep_pk, is_dep.target);
        let dep_existing = b.mul(is_dep.target, must_exist);
        let pk_after_a: [Target; 5] = std::array::from_fn(|j| {
            let diff = b.sub(dep_pk[j], lane_a.pk_before[j]);
            // A deposit into an existing account must name its key.
            let t = b.mul(dep_existing, diff);
            b.assert_zero(t);
            b.mul_add(is_dep.target, diff, lane_a.pk_before[j])
        });

        let dep_amount = scale_u128(b, is_dep.target, &amount);
        let debit: U128Target = std::array::from_fn(|i| {
            let s = b.add(amount[i], fee[i]);
            b.mul(signed, s)
        });
        let sum_a = SumEq::build(
            b,
            &[lane_a.bal_before, dep_amount],
            &[lane_a.bal_after, debit],
            4,
        );
        let root_mid = lane_a.apply(
            b,
            root_in,
            active,
            &a_bits,
            &token_bits,
            &pk_after_a,
            nonce_after,
        );

        // Lane B: transfer recipient.
        let lane_b = LaneTargets::new(b);
        let recipient_exists = NonZeroIf::build(b, &lane_b.pk_before, is_tr.target);
        let credit = scale_u128(b, is_tr.target, &amount);
        let sum_b = SumEq::build(b, &[lane_b.bal_before, credit], &[lane_b.bal_after], 3);
        let root_out = lane_b.apply(
            b,
            root_mid,
            is_tr.target,
            &b_bits,
            &token_bits,
            &lane_b.pk_before.clone(),
            lane_b.nonce_before,
        );

        // Fee slot: exactly one selected, of this token whenever there is a fee.
        let fee_sel: [BoolTarget; FEE_SLOTS] =
            std::array::from_fn(|_| b.add_virtual_bool_target_safe());
        let sel_sum = b.add_many(fee_sel.iter().map(|s| s.target));
        b.connect(sel_sum, one);
        let mut slot_token = b.zero();
        for (s, t) in fee_sel.iter().zip(fee_tokens) {
            slot_token = b.mul_add(s.target, *t, slot_token);
        }
        let d = b.sub(slot_token, token);
        let t = b.mul(fee_man, d);
        b.assert_zero(t);

        // Pubdata words.
        let priority: [Target; 2] = std::array::from_fn(|_| b.add_virtual_target());
        let address: [Target; 5] = std::array::from_fn(|_| b.add_virtual_target());
        let two = F::from_canonical_u64(2);
        let three = F::from_canonical_u64(3);
        let ty = b.mul_const_add(two, is_tr.target, is_dep.target);
        let ty = b.mul_const_add(three, is_wd.target, ty);
        let act_token = b.mul(active, token);
        let w0 = b.mul_const(F::from_canonical_u64(1 << 8), act_token);
        let w0 = b.mul_const_add(F::from_canonical_u64(1 << 24), ty, w0);
        let w1 = b.mul(active, account_a);
        let dw = b.add(is_dep.target, is_wd.target);
        let low_shifted = b.mul_const(F::from_canonical_u64(1 << 8), low24);
        let zero = b.zero();
        let tr_words = [account_b, m_hi, low_shifted, zero];
        let mut own_words = [w0, w1, zero, zero, zero, zero];
        for k in 0..4 {
            let x = b.mul(dw, amount[3 - k]);
            own_words[2 + k] = b.mul_add(is_tr.target, tr_words[k], x);
        }
        let fee_word = b.mul_const(F::from_canonical_u64(1 << 16), fee_packed);
        let dep1 = [
            priority[0],
            priority[1],
            dep_pk_hi[0],
            dep_pk_lo[0],
            dep_pk_hi[1],
            dep_pk_lo[1],
        ];
        let wd1 = [
            fee_word, address[0], address[1], address[2], address[3], address[4],
        ];
        let next_words: [Target; CHUNK_WORDS] = std::array::from_fn(|k| {
            let x = b.mul(is_dep.target, dep1[k]);
            b.mul_add(is_wd.target, wd1[k], x)
        });
        let dep2 = [
            dep_pk_hi[2],
            dep_pk_lo[2],
            dep_pk_hi[3],
            dep_pk_lo[3],
            dep_pk_hi[4],
            dep_pk_lo[4],
        ];
        let next2_words: [Target; CHUNK_WORDS] =
            std::array::from_fn(|k| b.mul(is_dep.target, dep2[k]));

        // The sender's signature over the operation's message (ops::signing). Slots without a
        // signed operation verify against the generator's key with the final check waived.
        let fields = MessageFields {
            from: account_a,
            to: account_b,
            token,
            amount,
            fee,
            nonce,
            to_l1: address,
        };
        let msg_tr = fields.message(b, TRANSFER_DOMAIN, chain_id, false);
        let msg_wd = fields.message(b, WITHDRAW_DOMAIN, chain_id, true);
        let msg: Vec<Target> = msg_tr
            .iter()
            .zip(&msg_wd)
            .map(|(&t, &w)| b.select(is_tr, t, w))
            .collect();
        let stand_in = Point::GENERATOR.to_limbs();
        let signer = Gfp5Target(std::array::from_fn(|j| {
            let g = b.constant(F::from_canonical_u64(stand_in[j]));
            let d = b.sub(lane_a.pk_before[j], g);
            b.mul_add(signed, d, g)
        }));
        let signature = b.add_virtual_signature_target();
        b.verify_schnorr_if(signed, signer, &msg, &signature);

        (
            Self {
                is_dep,
                is_tr,
                is_wd,
                account_a,
                account_b,
                token,
                amount,
                m_hi,
                low24,
                nonce,
                priority,
                dep_pk_hi,
                dep_pk_lo,
                address,
                fee_sel,
                key_empty,
                signature,
                lane_a,
                lane_b,
                amount_unpack,
                fee_unpack,
                sum_a,
                sum_b,
                sender_exists,
                recipient_exists,
                deposit_key,
                fee,
                own_words,
                next_words,
                next2_words,
                active,
            },
            root_out,
        )
    }

    /// The selector of fee slot `s`.
    pub fn fee_sel_target(&self, s: usize) -> Target {
        self.fee_sel[s].target
    }

    /// Sets the slot's witness.
    pub fn assign(&self, pw: &mut PartialWitness<F>, w: &SlotWitness) -> anyhow::Result<()> {
        let f = |x: u64| F::from_canonical_u64(x);
        pw.set_bool_target(self.is_dep, w.kind == SlotKind::Deposit)?;
        pw.set_bool_target(self.is_tr, w.kind == SlotKind::Transfer)?;
        pw.set_bool_target(self.is_wd, w.kind == SlotKind::Withdraw)?;
        pw.set_target(self.account_a, f(w.account_a as u64))?;
        pw.set_target(self.account_b, f(w.account_b as u64))?;
        pw.set_target(self.token, f(w.token as u64))?;
        for (t, v) in self.amount.iter().zip(limbs_of(w.amount)) {
            pw.set_target(*t, f(v))?;
        }
        let Packed {
            mantissa: am,
            exponent: ae,
        } = w.amount_packed;
        let Packed {
            mantissa: fm,
            exponent: fe,
        } = w.fee_packed;
        pw.set_target(self.m_hi, f(am >> 3))?;
        let low = ((((am & 7) << 5) | ae as u64) << 16) | (fm << 5) | fe as u64;
        pw.set_target(self.low24, f(low))?;
        pw.set_target(self.nonce, f(w.nonce as u64))?;
        pw.set_target(self.priority[0], f(w.priority_index >> 32))?;
        pw.set_target(self.priority[1], f(w.priority_index & 0xffff_ffff))?;
        for j in 0..5 {
            pw.set_target(self.dep_pk_hi[j], f(w.deposit_pubkey.0[j] >> 32))?;
            pw.set_target(self.dep_pk_lo[j], f(w.deposit_pubkey.0[j] & 0xffff_ffff))?;
        }
        for j in 0..5 {
            let word = u32::from_be_bytes(w.to_l1[4 * j..4 * j + 4].try_into()?);
            pw.set_target(self.address[j], f(word as u64))?;
        }
        for (s, t) in self.fee_sel.iter().enumerate() {
            pw.set_bool_target(*t, s == w.fee_slot)?;
        }
        let key_empty = w.lane_a.before.pubkey.is_none();
        pw.set_bool_target(self.key_empty, key_empty)?;
        pw.set_signature_parts(&self.signature, Gfp5::from_limbs_reduce(&w.sig_r), w.sig_s)?;
        self.lane_a.assign(pw, &w.lane_a)?;
        self.lane_b.assign(pw, &w.lane_b)?;
        self.amount_unpack.assign(pw, am, ae)?;
        self.fee_unpack.assign(pw, fm, fe)?;

        let is_dep = w.kind == SlotKind::Deposit;
        let is_tr = w.kind == SlotKind::Transfer;
        let signed = is_tr || w.kind == SlotKind::Withdraw;
        let active = signed || is_dep;
        let gate = |on: bool, v: u128| if on { limbs_of(v) } else { [0; 4] };
        let amount = limbs_of(w.amount);
        let fee = limbs_of(w.fee);
        let debit: [u64; 4] = if signed {
            std::array::from_fn(|i| amount[i] + fee[i])
        } else {
            [0; 4]
        };
        self.sum_a.assign(
            pw,
            &[limbs_of(w.lane_a.balance_before), gate(is_dep, w.amount)],
            &[limbs_of(w.lane_a.balance_after), debit],
        )?;
        self.sum_b.assign(
            pw,
            &[limbs_of(w.lane_b.balance_before), gate(is_tr, w.amount)],
            &[limbs_of(w.lane_b.balance_after)],
        )?;
        self.sender_exists
            .assign(pw, &w.lane_a.before.pubkey.elements(), active && !key_empty)?;
        self.recipient_exists
            .assign(pw, &w.lane_b.before.pubkey.elements(), is_tr)?;
        self.deposit_key
            .assign(pw, &key_elements(&w.deposit_pubkey), is_dep)?;
        Ok(())
    }
}

/// The slot targets a signed operation's message is made of.
struct MessageFields {
    from: Target,
    to: Target,
    token: Target,
    amount: U128Target,
    fee: U128Target,
    nonce: Target,
    to_l1: [Target; 5],
}

impl MessageFields {
    /// The message hash as `ops::signing` lays out a transfer's fields, or (`withdraw`) a
    /// withdrawal's.
    fn message(
        &self,
        b: &mut CircuitBuilder<F, 2>,
        domain: u64,
        chain_id: ChainId,
        withdraw: bool,
    ) -> [Target; 4] {
        let mut fields = vec![
            b.constant(F::from_canonical_u64(domain)),
            b.constant(F::from_canonical_u64(chain_id & 0xffff_ffff)),
            b.constant(F::from_canonical_u64(chain_id >> 32)),
            self.from,
        ];
        if !withdraw {
            fields.push(self.to);
        }
        fields.push(self.token);
        fields.extend(self.amount);
        fields.extend(self.fee);
        fields.push(self.nonce);
        if withdraw {
            fields.extend(self.to_l1);
        }
        b.hash_n_to_hash_no_pad::<plonky2::hash::poseidon::PoseidonHash>(fields)
            .elements
    }
}

/// If `on`, `value = mantissa * 10^exponent` must be packed with the smallest exponent.
fn require_canonical(
    b: &mut CircuitBuilder<F, 2>,
    on: Target,
    mantissa: Target,
    exponent: Target,
    mantissa_bits: u32,
) {
    let zero = b.zero();
    let exp_is_zero = b.is_equal(exponent, zero);
    let one = b.one();
    let exp_nonzero = b.sub(one, exp_is_zero.target);
    let check = b.mul(on, exp_nonzero);
    // check * (10 * mantissa - 2^bits) must lie in [0, 2^(bits + 4)).
    let ten_m = b.mul_const(F::from_canonical_u64(10), mantissa);
    let excess = b.add_const(ten_m, -F::from_canonical_u64(1 << mantissa_bits));
    let gated = b.mul(check, excess);
    b.range_check(gated, mantissa_bits as usize + 4);
}

/// Key limbs as field elements, reduced (a non-canonical limb is the circuit's to reject).
fn key_elements(pk: &PubKey) -> [F; 5] {
    pk.0.map(F::from_noncanonical_u64)
}
