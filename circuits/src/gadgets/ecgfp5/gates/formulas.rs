//! GF(p^5) arithmetic and the EcGFp5 point formulas over any [`Algebra`], shared by the point
//! gates' constraints (field values and recursive-verifier targets) and their witness generators.
//!
//! The formulas are the native module's ([`crate::ecgfp5::Point`]) in fractional `(x, u)`
//! coordinates, `[x_num, x_den, u_num, u_den]`; they produce the same values, not merely the
//! same point, which the gate tests check against the native type.

use crate::gadgets::sha256::algebra::Algebra;

/// Limbs of one GF(p^5) element.
pub(crate) const LIMBS: usize = 5;
/// Wires (limbs) of one point: four GF(p^5) coordinates.
pub(crate) const POINT_LIMBS: usize = 4 * LIMBS;

/// One GF(p^5) element as limbs, coefficient of `z^0` first.
pub(crate) type Elem<V> = [V; LIMBS];
/// One point as its four coordinates `[x_num, x_den, u_num, u_den]`.
pub(crate) type PointVals<V> = [Elem<V>; 4];

/// The curve constant `b = 263 z`, by its z-coefficient.
pub(crate) const B_Z: i64 = 263;

fn add<A: Algebra>(alg: &mut A, a: &Elem<A::V>, b: &Elem<A::V>) -> Elem<A::V> {
    core::array::from_fn(|i| alg.add(a[i], b[i]))
}

fn sub<A: Algebra>(alg: &mut A, a: &Elem<A::V>, b: &Elem<A::V>) -> Elem<A::V> {
    core::array::from_fn(|i| alg.sub(a[i], b[i]))
}

/// `c a + d` for a small integer `c`.
fn scale_add<A: Algebra>(alg: &mut A, c: i64, a: &Elem<A::V>, d: &Elem<A::V>) -> Elem<A::V> {
    core::array::from_fn(|i| alg.scale_add(c, a[i], d[i]))
}

/// `(k z) a + d`: limbs move up one place, the top one wrapping round through `z^5 = 3`.
fn mul_kz_add<A: Algebra>(alg: &mut A, k: i64, a: &Elem<A::V>, d: &Elem<A::V>) -> Elem<A::V> {
    core::array::from_fn(|i| {
        if i == 0 {
            alg.scale_add(3 * k, a[LIMBS - 1], d[0])
        } else {
            alg.scale_add(k, a[i - 1], d[i])
        }
    })
}

/// `(k z) a`.
fn mul_kz<A: Algebra>(alg: &mut A, k: i64, a: &Elem<A::V>) -> Elem<A::V> {
    let zero = alg.constant(0);
    mul_kz_add(alg, k, a, &[zero; LIMBS])
}

/// `a b` in GF(p^5): coefficient `k` collects `a_i b_j` with `i + j = k`, plus `3 a_i b_j`
/// with `i + j = k + 5`.
pub(crate) fn mul<A: Algebra>(alg: &mut A, a: &Elem<A::V>, b: &Elem<A::V>) -> Elem<A::V> {
    core::array::from_fn(|k| {
        let mut acc = alg.constant(0);
        for (i, &ai) in a.iter().enumerate() {
            let bj = b[(k + LIMBS - i) % LIMBS];
            let coeff = if i <= k { 1 } else { 3 };
            acc = alg.arith(coeff, ai, bj, 1, acc);
        }
        acc
    })
}

/// `p + q` by the complete addition formulas (10 products; degree 4 in the inputs).
pub(crate) fn add_points<A: Algebra>(
    alg: &mut A,
    p: &PointVals<A::V>,
    q: &PointVals<A::V>,
) -> PointVals<A::V> {
    let [x1, z1, u1, t1] = p;
    let [x2, z2, u2, t2] = q;
    let xx = mul(alg, x1, x2);
    let zz = mul(alg, z1, z2);
    let uu = mul(alg, u1, u2);
    let tt = mul(alg, t1, t2);
    // x1 z2 + x2 z1 and u1 t2 + u2 t1 by Karatsuba.
    let xz = {
        let (s1, s2) = (add(alg, x1, z1), add(alg, x2, z2));
        let prod = mul(alg, &s1, &s2);
        let direct = add(alg, &xx, &zz);
        sub(alg, &prod, &direct)
    };
    let ut = {
        let (s1, s2) = (add(alg, u1, t1), add(alg, u2, t2));
        let prod = mul(alg, &s1, &s2);
        let direct = add(alg, &uu, &tt);
        sub(alg, &prod, &direct)
    };
    let bzz = mul_kz(alg, B_Z, &zz);
    let k = add(alg, &xx, &bzz);
    let tk = mul(alg, &tt, &k);
    // m = 2 uu (b xz + k), with a = 2.
    let bxz_k = mul_kz_add(alg, B_Z, &xz, &k);
    let two_uu = add(alg, &uu, &uu);
    let m = mul(alg, &two_uu, &bxz_k);
    // q = (tt + 2 uu)(xz + k).
    let tt_2uu = add(alg, &tt, &two_uu);
    let xz_k = add(alg, &xz, &k);
    let q = mul(alg, &tt_2uu, &xz_k);
    let q_tk = sub(alg, &q, &tk);
    let bzz_xx = sub(alg, &bzz, &xx);
    [
        mul_kz(alg, B_Z, &q_tk),
        sub(alg, &tk, &m),
        mul(alg, &ut, &bzz_xx),
        add(alg, &tk, &m),
    ]
}

/// `2 p` (9 products; degree 6 in the inputs).
pub(crate) fn double_point<A: Algebra>(alg: &mut A, p: &PointVals<A::V>) -> PointVals<A::V> {
    let [x, z, u, t] = p;
    let zt = mul(alg, z, t);
    let ztt = mul(alg, &zt, t);
    let ztu = mul(alg, &zt, u);
    let ztu2 = mul(alg, &ztu, &ztu);
    // W = z t^2 - 2 (x + z) u^2, using a = 2.
    let x_z = add(alg, x, z);
    let uu = mul(alg, u, u);
    let x_z_uu = mul(alg, &x_z, &uu);
    let w = scale_add(alg, -2, &x_z_uu, &ztt);
    let w2 = mul(alg, &w, &w);
    // 2 W ztu = (W + ztu)^2 - W^2 - ztu^2.
    let w_ztu = add(alg, &w, &ztu);
    let w_ztu2 = mul(alg, &w_ztu, &w_ztu);
    let w2_ztu2 = add(alg, &w2, &ztu2);
    let u_num = sub(alg, &w_ztu2, &w2_ztu2);
    // 2 ztt^2 - 4 ztu^2 - W^2.
    let ztt2 = mul(alg, &ztt, &ztt);
    let zero = [alg.constant(0); LIMBS];
    let minus_w2 = sub(alg, &zero, &w2);
    let u_den = scale_add(alg, -4, &ztu2, &minus_w2);
    let u_den = scale_add(alg, 2, &ztt2, &u_den);
    [mul_kz(alg, 4 * B_Z, &ztu2), w2, u_num, u_den]
}

/// Splits `POINT_LIMBS` consecutive values into a point.
pub(crate) fn point_at<V: Copy>(values: &[V], start: usize) -> PointVals<V> {
    core::array::from_fn(|c| core::array::from_fn(|i| values[start + LIMBS * c + i]))
}

/// Appends the 20 constraints `r - want = 0`, coordinate by coordinate.
pub(crate) fn push_point_eq<A: Algebra>(
    alg: &mut A,
    constraints: &mut Vec<A::V>,
    r: &PointVals<A::V>,
    want: &PointVals<A::V>,
) {
    for (rc, wc) in r.iter().zip(want) {
        for (&ri, &wi) in rc.iter().zip(wc) {
            constraints.push(alg.sub(ri, wi));
        }
    }
}
