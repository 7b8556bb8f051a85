//! The linear layer: a Cauchy MDS matrix sampled from the Grain stream, kept only
//! if it passes the reference's three checks against invariant subspace trails
//! (Grassi, Rechberger, Schofnegger, "Proving Resistance Against Infinitely Long
//! Subspace Trails: How to Choose the Linear Layer", ToSC 2021; `algorithm_1`,
//! `algorithm_2`, `algorithm_3` and `generate_matrix` of the reference
//! `generate_parameters_grain.sage`).
//!
//! A trail that passes the partial rounds' S-box-free words forever would make
//! the partial rounds worthless; each check rules out one way it could exist:
//!
//! 1. for `i = 1..t-1`: `M^i` is not a multiple of the identity; the subspace
//!    `S_i` of states whose first word stays untouched by the S-box for `i`
//!    rounds holds no eigenvector of `M^i` with an eigenvalue in the field; and
//!    `S_i` is not invariant under `M^j` for `j = 1..i`;
//! 2. `e_0, M e_0, M^2 e_0, ...` span the whole space (no proper invariant
//!    subspace contains the S-box word);
//! 3. check 2 holds for `M^r`, `r = 2..4t`.
//!
//! Whichever candidate the reference rejects, this module rejects too, so the
//! Grain stream stays in step with it.

use ark_ff::{BitIteratorBE, Field, PrimeField};

use super::grain::Grain;

/// A square matrix, row-major: `m[i][j]` is row `i`, column `j`.
pub(super) type Matrix<F> = Vec<Vec<F>>;

/// Samples Cauchy matrices until one passes the reference's checks.
pub(super) fn sample_secure_mds<F: PrimeField>(grain: &mut Grain, t: usize) -> Matrix<F> {
    loop {
        let m = sample_cauchy(grain, t);
        if is_secure(&m) {
            return m;
        }
    }
}

/// The reference's `create_mds_p`: `2t` distinct elements `x_0..x_{t-1},
/// y_0..y_{t-1}` (all `2t` resampled on a repeat), `M[i][j] = 1 / (x_i + y_j)`,
/// resampled when some `x_i + y_j = 0`.
fn sample_cauchy<F: PrimeField>(grain: &mut Grain, t: usize) -> Matrix<F> {
    loop {
        let mut xy: Vec<F> = (0..2 * t)
            .map(|_| grain.next_field_element_mod_p())
            .collect();
        while has_repeat(&xy) {
            xy = (0..2 * t)
                .map(|_| grain.next_field_element_mod_p())
                .collect();
        }
        let (xs, ys) = xy.split_at(t);
        let m: Option<Matrix<F>> = xs
            .iter()
            .map(|x| ys.iter().map(|y| (*x + y).inverse()).collect())
            .collect();
        if let Some(m) = m {
            return m;
        }
    }
}

fn has_repeat<F: PartialEq>(xs: &[F]) -> bool {
    xs.iter().enumerate().any(|(i, x)| xs[i + 1..].contains(x))
}

/// Whether `m` passes all three checks of the reference.
pub(super) fn is_secure<F: PrimeField>(m: &Matrix<F>) -> bool {
    no_trail_of_short_length(m) && krylov_spans(m) && krylov_spans_for_powers(m)
}

/// The reference's `algorithm_1` (with `s = 1` S-box per partial round).
fn no_trail_of_short_length<F: PrimeField>(m: &Matrix<F>) -> bool {
    let t = m.len();
    // powers[k] = M^k for k = 0..t-1: all that rounds 1..t-1 look at.
    let mut powers = vec![identity::<F>(t)];
    for k in 1..t {
        powers.push(mat_mul(&powers[k - 1], m));
    }
    for i in 1..t {
        let m_i = &powers[i];
        if *m_i == scaled(&identity(t), m_i[0][0]) {
            return false;
        }
        let s = untouched_subspace(i, &powers);
        let mut in_eigenspaces = Vec::new();
        for lambda in rational_roots(&char_poly(m_i)) {
            let mut shifted = m_i.clone();
            shifted
                .iter_mut()
                .enumerate()
                .for_each(|(r, row)| row[r] -= lambda);
            let eigenspace = kernel(&shifted, t);
            in_eigenspaces.extend(intersection(&s, &eigenspace, t));
        }
        let dim = echelon(in_eigenspaces, t).len();
        if dim >= 1 && dim != t {
            return false;
        }
        for power in &powers[1..=i] {
            let image: Vec<Vec<F>> = s.iter().map(|v| mat_vec(power, v)).collect();
            if echelon(image, t) == s {
                return false;
            }
        }
    }
    true
}

/// The reference's `generate_vectorspace(i)`: states whose first word is
/// untouched by the S-box through `i` rounds. `S_1 = {v : v_0 = 0}`; for
/// `i >= 2` also `(M^k v)_0 = 0` for `k = 1..i-1`, the conditions read on the
/// words `1..t-1` only, as the reference does. In reduced echelon form.
fn untouched_subspace<F: PrimeField>(i: usize, powers: &[Matrix<F>]) -> Vec<Vec<F>> {
    let t = powers[0].len();
    let conditions: Matrix<F> = (1..i).map(|k| powers[k][0][1..].to_vec()).collect();
    let tail_basis: Vec<Vec<F>> = if conditions.is_empty() {
        (0..t - 1).map(|c| unit(c, t - 1)).collect()
    } else {
        kernel(&conditions, t - 1)
    };
    let basis = tail_basis
        .into_iter()
        .map(|v| std::iter::once(F::zero()).chain(v).collect())
        .collect();
    echelon(basis, t)
}

/// The reference's `algorithm_2` (with `s = 1`): the orbit of `e_0` under `m`
/// spans the whole space.
fn krylov_spans<F: PrimeField>(m: &Matrix<F>) -> bool {
    let t = m.len();
    let mut v = unit(0, t);
    let mut span = echelon(vec![v.clone()], t);
    loop {
        let before = span.len();
        v = mat_vec(m, &v);
        span.push(v.clone());
        span = echelon(span, t);
        if span.len() == t {
            return true;
        }
        if span.len() <= before {
            return false;
        }
    }
}

/// The reference's `algorithm_3`: `algorithm_2` for `M^r`, `r = 2..=4t`.
fn krylov_spans_for_powers<F: PrimeField>(m: &Matrix<F>) -> bool {
    let t = m.len();
    let mut power = m.clone();
    for _ in 2..=4 * t {
        power = mat_mul(&power, m);
        if !krylov_spans(&power) {
            return false;
        }
    }
    true
}

fn identity<F: Field>(t: usize) -> Matrix<F> {
    (0..t).map(|i| unit(i, t)).collect()
}

fn scaled<F: Field>(a: &Matrix<F>, k: F) -> Matrix<F> {
    a.iter()
        .map(|row| row.iter().map(|x| *x * k).collect())
        .collect()
}

fn unit<F: Field>(i: usize, t: usize) -> Vec<F> {
    (0..t)
        .map(|j| if i == j { F::one() } else { F::zero() })
        .collect()
}

fn mat_mul<F: Field>(a: &Matrix<F>, b: &Matrix<F>) -> Matrix<F> {
    let n = b.first().map_or(0, Vec::len);
    a.iter()
        .map(|row| {
            (0..n)
                .map(|c| row.iter().zip(b).map(|(x, b_row)| *x * b_row[c]).sum())
                .collect()
        })
        .collect()
}

fn mat_vec<F: Field>(a: &Matrix<F>, v: &[F]) -> Vec<F> {
    a.iter()
        .map(|row| row.iter().zip(v).map(|(x, y)| *x * y).sum())
        .collect()
}

/// The reduced row echelon form of `rows` (vectors of length `n`), zero rows
/// dropped: a canonical basis of their span, so two spans are equal exactly
/// when their echelon forms are.
fn echelon<F: Field>(mut rows: Vec<Vec<F>>, n: usize) -> Vec<Vec<F>> {
    let mut rank = 0;
    for col in 0..n {
        let Some(pivot) = (rank..rows.len()).find(|&r| !rows[r][col].is_zero()) else {
            continue;
        };
        rows.swap(rank, pivot);
        // The pivot is nonzero, so the fallback never happens.
        let inv = rows[rank][col].inverse().unwrap_or_else(F::zero);
        rows[rank].iter_mut().for_each(|x| *x *= inv);
        let pivot_row = rows[rank].clone();
        for (r, row) in rows.iter_mut().enumerate() {
            if r != rank && !row[col].is_zero() {
                let factor = row[col];
                row.iter_mut()
                    .zip(&pivot_row)
                    .for_each(|(x, p)| *x -= factor * p);
            }
        }
        rank += 1;
    }
    rows.truncate(rank);
    rows
}

/// A basis of `{v in F^n : a v = 0}`.
fn kernel<F: Field>(a: &Matrix<F>, n: usize) -> Vec<Vec<F>> {
    let rref = echelon(a.clone(), n);
    let pivots: Vec<usize> = rref
        .iter()
        .filter_map(|row| row.iter().position(|x| !x.is_zero()))
        .collect();
    (0..n)
        .filter(|c| !pivots.contains(c))
        .map(|free| {
            let mut v = unit(free, n);
            for (row, &p) in rref.iter().zip(&pivots) {
                v[p] = -row[free];
            }
            v
        })
        .collect()
}

/// A basis of the intersection of two spans, as `(U^perp + W^perp)^perp`.
fn intersection<F: Field>(u: &[Vec<F>], w: &[Vec<F>], n: usize) -> Vec<Vec<F>> {
    let mut perps = kernel(&u.to_vec(), n);
    perps.extend(kernel(&w.to_vec(), n));
    kernel(&perps, n)
}

/// A polynomial, lowest coefficient first, no trailing zeros (zero is empty).
type Poly<F> = Vec<F>;

/// The characteristic polynomial `det(x I - a)` (Faddeev-LeVerrier: exact over
/// any field whose characteristic exceeds the dimension).
fn char_poly<F: PrimeField>(a: &Matrix<F>) -> Poly<F> {
    let n = a.len();
    let mut coeffs = vec![F::zero(); n + 1];
    coeffs[n] = F::one();
    let mut m = vec![vec![F::zero(); n]; n];
    for k in 1..=n {
        // M_k = A M_{k-1} + c_{n-k+1} I
        m = mat_mul(a, &m);
        for (i, row) in m.iter_mut().enumerate() {
            row[i] += coeffs[n - k + 1];
        }
        let trace: F = (0..n)
            .map(|i| (0..n).map(|j| a[i][j] * m[j][i]).sum::<F>())
            .sum();
        let k_inv = F::from(k as u64).inverse().unwrap_or_else(F::zero);
        coeffs[n - k] = -trace * k_inv;
    }
    trimmed(coeffs)
}

/// The distinct roots of `f` in the field: those of `gcd(f, x^p - x)`, split
/// by `gcd(g, (x + a)^((p-1)/2) - 1)` for `a = 0, 1, 2, ...` (Cantor-Zassenhaus
/// with a deterministic choice of `a`).
fn rational_roots<F: PrimeField>(f: &Poly<F>) -> Vec<F> {
    let x = vec![F::zero(), F::one()];
    let x_p = pow_mod(&x, F::MODULUS, f);
    let g = gcd(f.clone(), sub(&x_p, &x));
    let mut roots = Vec::new();
    split_linear(g, &mut roots);
    roots
}

fn split_linear<F: PrimeField>(g: Poly<F>, roots: &mut Vec<F>) {
    match g.len() {
        0 | 1 => {}
        2 => roots.push(-g[0] * g[1].inverse().unwrap_or_else(F::zero)),
        _ => {
            let mut a = F::zero();
            loop {
                let shifted = vec![a, F::one()];
                let half = pow_mod(&shifted, F::MODULUS_MINUS_ONE_DIV_TWO, &g);
                let h = gcd(g.clone(), sub(&half, &[F::one()]));
                if h.len() > 1 && h.len() < g.len() {
                    let (rest, _) = div_rem(&g, &h);
                    split_linear(h, roots);
                    split_linear(rest, roots);
                    return;
                }
                a += F::one();
            }
        }
    }
}

fn trimmed<F: Field>(mut p: Poly<F>) -> Poly<F> {
    while p.last().is_some_and(|c| c.is_zero()) {
        p.pop();
    }
    p
}

fn sub<F: Field>(a: &[F], b: &[F]) -> Poly<F> {
    let n = a.len().max(b.len());
    let at = |p: &[F], i: usize| p.get(i).copied().unwrap_or_else(F::zero);
    trimmed((0..n).map(|i| at(a, i) - at(b, i)).collect())
}

fn mul<F: Field>(a: &[F], b: &[F]) -> Poly<F> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut out = vec![F::zero(); a.len() + b.len() - 1];
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            out[i + j] += *x * y;
        }
    }
    trimmed(out)
}

/// Quotient and remainder of `a / b`, `b` nonzero.
fn div_rem<F: Field>(a: &[F], b: &[F]) -> (Poly<F>, Poly<F>) {
    let mut rem = trimmed(a.to_vec());
    let Some(lead_inv) = b.last().and_then(|c| c.inverse()) else {
        return (Vec::new(), rem);
    };
    if rem.len() < b.len() {
        return (Vec::new(), rem);
    }
    let mut quot = vec![F::zero(); rem.len() - b.len() + 1];
    while rem.len() >= b.len() {
        let shift = rem.len() - b.len();
        let factor = rem[rem.len() - 1] * lead_inv;
        quot[shift] = factor;
        for (i, c) in b.iter().enumerate() {
            rem[shift + i] -= factor * c;
        }
        // The leading coefficient is now zero.
        rem.pop();
        rem = trimmed(rem);
    }
    (trimmed(quot), rem)
}

fn gcd<F: Field>(mut a: Poly<F>, mut b: Poly<F>) -> Poly<F> {
    while !b.is_empty() {
        let (_, r) = div_rem(&a, &b);
        a = std::mem::replace(&mut b, r);
    }
    // Monic, so that equal ideals give equal polynomials.
    match a.last().and_then(|c| c.inverse()) {
        Some(inv) => a.into_iter().map(|c| c * inv).collect(),
        None => a,
    }
}

/// `base^exp mod modulus`.
fn pow_mod<F: Field, E: AsRef<[u64]>>(base: &[F], exp: E, modulus: &[F]) -> Poly<F> {
    let base = div_rem(base, modulus).1;
    let mut acc: Poly<F> = vec![F::one()];
    for bit in BitIteratorBE::without_leading_zeros(exp) {
        acc = div_rem(&mul(&acc, &acc), modulus).1;
        if bit {
            acc = div_rem(&mul(&acc, &base), modulus).1;
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Fr;

    fn fr(x: i64) -> Fr {
        if x >= 0 {
            Fr::from(x as u64)
        } else {
            -Fr::from(x.unsigned_abs())
        }
    }

    fn matrix(rows: &[&[i64]]) -> Matrix<Fr> {
        rows.iter()
            .map(|r| r.iter().map(|&x| fr(x)).collect())
            .collect()
    }

    #[test]
    fn rational_roots_skip_an_irreducible_factor() {
        // (x - 3)(x + 7)(x - 11)(x^2 - 5): 5 generates Fr*, so it is not a square
        // and x^2 - 5 has no root in the field.
        assert!(
            fr(5).sqrt().is_none(),
            "5 is a non-residue mod the BN254 order"
        );
        let f = mul(
            &mul(&mul(&[fr(-3), fr(1)], &[fr(7), fr(1)]), &[fr(-11), fr(1)]),
            &[fr(-5), fr(0), fr(1)],
        );
        let mut roots = rational_roots(&f);
        roots.sort();
        let mut expected = vec![fr(3), fr(-7), fr(11)];
        expected.sort();
        assert_eq!(roots, expected, "roots: expected vs got");
    }

    #[test]
    fn char_poly_of_a_companion_matrix_is_its_polynomial() {
        // Companion matrix of x^3 - 2x^2 + 5x - 9.
        let a = matrix(&[&[0, 0, 9], &[1, 0, -5], &[0, 1, 2]]);
        assert_eq!(char_poly(&a), vec![fr(-9), fr(5), fr(-2), fr(1)]);
    }

    #[test]
    fn intersection_of_two_planes_is_their_common_line() {
        let u = echelon(
            vec![vec![fr(1), fr(0), fr(0)], vec![fr(0), fr(1), fr(0)]],
            3,
        );
        let w = echelon(
            vec![vec![fr(0), fr(1), fr(0)], vec![fr(0), fr(0), fr(1)]],
            3,
        );
        assert_eq!(
            echelon(intersection(&u, &w, 3), 3),
            vec![vec![fr(0), fr(1), fr(0)]]
        );
    }

    #[test]
    fn identity_and_permutation_matrices_are_rejected() {
        // The identity is scalar; a cyclic shift has e_0-orbit spanning but
        // M^t = I fails the power check; a diagonal matrix keeps e_0 invariant.
        assert!(!is_secure(&identity::<Fr>(3)));
        assert!(!is_secure(&matrix(&[&[0, 0, 1], &[1, 0, 0], &[0, 1, 0]])));
        assert!(!is_secure(&matrix(&[&[2, 0, 0], &[0, 3, 0], &[0, 0, 5]])));
    }
}
