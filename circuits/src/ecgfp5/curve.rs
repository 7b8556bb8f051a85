//! The EcGFp5 group: a prime-order group built on the double-odd curve
//! `y^2 = x (x^2 + a x + b)` over GF(p^5), with `a = 2` and `b = 263 z`
//! (T. Pornin, "EcGFp5: a Specialized Elliptic Curve", eprint 2022/274).
//!
//! The curve has order 2n for the prime n of [`Scalar`]. The group is the
//! set of curve points that are *not* n-torsion points; its neutral is
//! `N = (0, 0)` (the only point of order 2) and the group sum of `P` and `Q`
//! is the curve point `P + Q + N`. Negation is the curve negation.
//!
//! Points are held in fractional `(x, u)` coordinates, `u = x / y` (with
//! `u = 0` for N): `x = X/Z`, `u = U/T`, where Z and T are never zero. These
//! admit complete addition formulas (no special cases) from the double-odd
//! curves paper (Pornin, eprint 2020/1558).
//!
//! Encoding: `w = 1/u = y/x`, with N encoded as 0. Decoding solves
//! `x^2 - (w^2 - a) x + b = 0`; the two roots multiply to `b`, which is not a
//! square, so exactly one root is a non-square, and that one is the x of the
//! group element (group elements have non-square x). Decoding fails exactly
//! when the discriminant `(w^2 - a)^2 - 4b` is not a square.
//!
//! Scalar multiplication uses signed 5-bit windows with a regular schedule
//! and full-table scans for lookups, but the code has not been audited for
//! constant-time behaviour.

use core::fmt;
use core::ops::{Add, Neg, Sub};
use std::sync::OnceLock;

use super::field::Gfp5;
use super::scalar::Scalar;

/// Curve constant a = 2.
const A: Gfp5 = Gfp5::new_const([2, 0, 0, 0, 0]);
/// Curve constant b = 263 z, given by its z-coefficient.
const B_Z: u64 = 263;
/// 4b = 1052 z.
const B_MUL4: Gfp5 = Gfp5::new_const([0, 4 * B_Z, 0, 0, 0]);

/// Multiply by the curve constant b = 263 z.
#[inline(always)]
fn mul_b(v: &Gfp5) -> Gfp5 {
    v.mul_small_z(B_Z)
}

/// Window width for scalar multiplication (digits in [-15, 16]).
const WINDOW: usize = 5;
/// Number of signed digits of width 5 covering 320 bits.
const DIGITS: usize = 64;
/// Window table size: multiples 1..=16 of the base point.
const TABLE: usize = 16;

/// An element of the EcGFp5 group.
#[derive(Clone, Copy)]
pub struct Point {
    // x = x_num / x_den, u = u_num / u_den; the dens are never zero.
    x_num: Gfp5,
    x_den: Gfp5,
    u_num: Gfp5,
    u_den: Gfp5,
}

impl Point {
    /// The group neutral N = (0, 0), encoded as 0.
    pub const NEUTRAL: Point = Point {
        x_num: Gfp5::ZERO,
        x_den: Gfp5::ONE,
        u_num: Gfp5::ZERO,
        u_den: Gfp5::ONE,
    };

    /// The conventional generator: the group element with encoding `w = 4`
    /// (coordinates from the ecgfp5 README: `y = 4x`, so `u = 1/4`).
    pub const GENERATOR: Point = Point {
        x_num: Gfp5::new_const([
            12883135586176881569,
            4356519642755055268,
            5248930565894896907,
            2165973894480315022,
            2448410071095648785,
        ]),
        x_den: Gfp5::ONE,
        // 1/4 mod p
        u_num: Gfp5::new_const([13835058052060938241, 0, 0, 0, 0]),
        u_den: Gfp5::ONE,
    };

    /// Whether this is the neutral element.
    pub fn is_neutral(&self) -> bool {
        self.u_num.is_zero()
    }

    /// Canonical encoding as one field element: `w = 1/u`, 0 for the neutral.
    pub fn encode(&self) -> Gfp5 {
        // inverse_or_zero maps u_num = 0 (the neutral) to an encoding of 0.
        self.u_den * self.u_num.inverse_or_zero()
    }

    /// Decode a field element; `None` unless it is the encoding of a group element.
    ///
    /// Every group element has exactly one encoding, so whatever decodes is
    /// canonical; 0 decodes to the neutral.
    pub fn decode(w: &Gfp5) -> Option<Point> {
        if w.is_zero() {
            return Some(Point::NEUTRAL);
        }
        // With y = w x, the curve equation divided by x^2 reads
        // x^2 - (w^2 - a) x + b = 0.
        let e = w.square() - A;
        let delta = e.square() - B_MUL4;
        let r = delta.sqrt()?;
        let x1 = (e + r).half();
        let x2 = (e - r).half();
        // x1 x2 = b is a non-square, so exactly one root is a non-square.
        let x = if x1.is_square() { x2 } else { x1 };
        Some(Point {
            x_num: x,
            x_den: Gfp5::ONE,
            u_num: Gfp5::ONE,
            u_den: *w,
        })
    }

    /// Decode from five Goldilocks limbs; `None` for a limb >= p or an invalid encoding.
    pub fn from_limbs(limbs: &[u64; 5]) -> Option<Point> {
        Point::decode(&Gfp5::from_limbs_canonical(limbs)?)
    }

    /// The encoding as five canonical Goldilocks limbs (the form of `PubKey`).
    pub fn to_limbs(&self) -> [u64; 5] {
        self.encode().to_limbs()
    }

    /// Affine `(x, u)` coordinates.
    pub fn to_affine(&self) -> (Gfp5, Gfp5) {
        // The dens are never zero for a well-formed point.
        (
            self.x_num * self.x_den.inverse_or_zero(),
            self.u_num * self.u_den.inverse_or_zero(),
        )
    }

    /// Group addition (complete formulas, cost 10M).
    fn add_point(&self, rhs: &Point) -> Point {
        let (x1, z1, u1, t1) = (&self.x_num, &self.x_den, &self.u_num, &self.u_den);
        let (x2, z2, u2, t2) = (&rhs.x_num, &rhs.x_den, &rhs.u_num, &rhs.u_den);
        let xx = *x1 * *x2;
        let zz = *z1 * *z2;
        let uu = *u1 * *u2;
        let tt = *t1 * *t2;
        // x1 z2 + x2 z1 and u1 t2 + u2 t1 by Karatsuba.
        let xz = (*x1 + *z1) * (*x2 + *z2) - xx - zz;
        let ut = (*u1 + *t1) * (*u2 + *t2) - uu - tt;
        let bzz = mul_b(&zz);
        let k = xx + bzz;
        let tk = tt * k;
        // a = 2, so a k = 2k and t t + a u u = t t + 2 u u.
        let m = uu * (mul_b(&xz).double() + k.double());
        let q = (tt + uu.double()) * (xz + k);
        Point {
            x_num: mul_b(&(q - tk)),
            x_den: tk - m,
            u_num: ut * (bzz - xx),
            u_den: tk + m,
        }
    }

    /// Doubling (cost 4M + 5S).
    pub fn double(&self) -> Point {
        let (x, z, u, t) = (&self.x_num, &self.x_den, &self.u_num, &self.u_den);
        // Affinely, with W = 1 - (2x + a) u^2 = (b - x^2)/(x^2 + a x + b),
        // the double is x' = 4 b u^2 / W^2 and u' = 2 W u / (2 - 4 u^2 - W^2);
        // below, every term is scaled by (z t^2)^2 to stay projective.
        let zt = *z * *t;
        let ztt = zt * *t;
        let ztu = zt * *u;
        let ztu2 = ztu.square();
        // W (z t^2) = z t^2 - (2x + 2z) u^2, using a = 2.
        let w = ztt - (*x + *z).double() * u.square();
        let w2 = w.square();
        Point {
            x_num: mul_b(&ztu2).double().double(),
            x_den: w2,
            // 2 W ztu as (W + ztu)^2 - W^2 - ztu^2.
            u_num: (w + ztu).square() - w2 - ztu2,
            u_den: ztt.square().double() - ztu2.double().double() - w2,
        }
    }

    /// `2^k` times this point.
    pub fn double_n(&self, k: u32) -> Point {
        let mut r = *self;
        for _ in 0..k {
            r = r.double();
        }
        r
    }

    /// Replace `self` by `other` when `choice` is set, without branching on it.
    fn conditional_assign(&mut self, other: &Point, choice: bool) {
        self.x_num.conditional_assign(&other.x_num, choice);
        self.x_den.conditional_assign(&other.x_den, choice);
        self.u_num.conditional_assign(&other.u_num, choice);
        self.u_den.conditional_assign(&other.u_den, choice);
    }

    /// `d * P` for a signed digit d in [-16, 16], from `table[i] = (i + 1) P`,
    /// scanning the whole table so the memory access pattern does not depend on d.
    fn lookup(table: &[Point; TABLE], d: i32) -> Point {
        let idx = d.unsigned_abs() as usize;
        let mut r = Point::NEUTRAL;
        for (i, p) in table.iter().enumerate() {
            r.conditional_assign(p, i + 1 == idx);
        }
        let neg = -r.u_num;
        r.u_num.conditional_assign(&neg, d < 0);
        r
    }

    /// The multiples `P, 2P, ..., 16P`.
    fn window_table(&self) -> [Point; TABLE] {
        let mut t = [*self; TABLE];
        for i in 1..TABLE {
            // (i + 1) P: a doubling when i + 1 is even, else one more P.
            t[i] = if i % 2 == 1 {
                t[i / 2].double()
            } else {
                t[i - 1] + *self
            };
        }
        t
    }

    /// Variable-base scalar multiplication `s * self` (signed 5-bit windows).
    pub fn mul(&self, s: &Scalar) -> Point {
        let table = self.window_table();
        let digits = s.recode_signed(WINDOW);
        let mut acc = Point::lookup(&table, digits[DIGITS - 1]);
        for &d in digits[..DIGITS - 1].iter().rev() {
            acc = acc.double_n(WINDOW as u32) + Point::lookup(&table, d);
        }
        acc
    }

    /// Fixed-base scalar multiplication `s * G` with a precomputed table.
    pub fn mulgen(s: &Scalar) -> Point {
        let table = generator_table();
        let digits = s.recode_signed(WINDOW);
        // s G = sum_i d_i (2^(5 i) G): one table row per digit, no doublings.
        digits
            .iter()
            .zip(table.iter())
            .fold(Point::NEUTRAL, |acc, (&d, row)| acc + Point::lookup(row, d))
    }
}

/// Rows `i = 0..64` of `(j + 1) * 2^(5 i) * G` for `j = 0..16`, built on first use.
fn generator_table() -> &'static [[Point; TABLE]; DIGITS] {
    static TABLE_G: OnceLock<Box<[[Point; TABLE]; DIGITS]>> = OnceLock::new();
    TABLE_G.get_or_init(|| {
        let mut rows = Box::new([[Point::NEUTRAL; TABLE]; DIGITS]);
        let mut base = Point::GENERATOR;
        for row in rows.iter_mut() {
            *row = base.window_table();
            // 2^5 base = 2 * (16 base)
            base = row[TABLE - 1].double();
        }
        rows
    })
}

impl PartialEq for Point {
    fn eq(&self, other: &Point) -> bool {
        // The encoding 1/u is injective on the group, so equal u means equal points.
        self.u_num * other.u_den == other.u_num * self.u_den
    }
}

impl Eq for Point {}

impl fmt::Debug for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Point(w = {:?})", self.encode().to_limbs())
    }
}

impl Add for Point {
    type Output = Point;
    fn add(self, rhs: Point) -> Point {
        self.add_point(&rhs)
    }
}

impl Sub for Point {
    type Output = Point;
    fn sub(self, rhs: Point) -> Point {
        self.add_point(&-rhs)
    }
}

impl Neg for Point {
    type Output = Point;
    fn neg(self) -> Point {
        // Group negation is curve negation (x, y) -> (x, -y), i.e. u -> -u.
        Point {
            u_num: -self.u_num,
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(0xec_9f_05)
    }

    fn g(limbs: [u64; 5]) -> Gfp5 {
        Gfp5::from_limbs_canonical(&limbs).expect("test vector limbs are canonical")
    }

    fn dec(limbs: [u64; 5]) -> Point {
        Point::from_limbs(&limbs).expect("test vector should decode")
    }

    fn scalar_from_decimal(s: &str) -> Scalar {
        let v: num_bigint::BigUint = s.parse().expect("decimal literal");
        let mut bytes = [0u8; 40];
        let le = v.to_bytes_le();
        bytes[..le.len()].copy_from_slice(&le);
        Scalar::from_bytes(&bytes).expect("scalar below n")
    }

    /// Encodings w0..w7 from github.com/pornin/ecgfp5, rust/src/curve.rs,
    /// test `ecgfp5_ops` (also python/ecGFp5.py, `TestEcGFp5`; "generated with
    /// Sage"): P0 = neutral, P1 random, P2 = e P1, P3 = P1 + P2, P4 = 2 P1,
    /// P5 = 2 P2, P6 = 2 P1 + P2, P7 = P1 + 2 P2.
    const W: [[u64; 5]; 8] = [
        [0, 0, 0, 0, 0],
        [
            12539254003028696409,
            15524144070600887654,
            15092036948424041984,
            11398871370327264211,
            10958391180505708567,
        ],
        [
            11001943240060308920,
            17075173755187928434,
            3940989555384655766,
            15017795574860011099,
            5548543797011402287,
        ],
        [
            246872606398642312,
            4900963247917836450,
            7327006728177203977,
            13945036888436667069,
            3062018119121328861,
        ],
        [
            8058035104653144162,
            16041715455419993830,
            7448530016070824199,
            11253639182222911208,
            6228757819849640866,
        ],
        [
            10523134687509281194,
            11148711503117769087,
            9056499921957594891,
            13016664454465495026,
            16494247923890248266,
        ],
        [
            12173306542237620,
            6587231965341539782,
            17027985748515888117,
            17194831817613584995,
            10056734072351459010,
        ],
        [
            9420857400785992333,
            4695934009314206363,
            14471922162341187302,
            13395190104221781928,
            16359223219913018041,
        ],
    ];

    /// The scalar e with P2 = e P1 in the `W` vectors, from
    /// github.com/pornin/ecgfp5, python/ecGFp5.py, `TestEcGFp5`.
    const E_W: &str = "841809598287430541331763924924406256080383779033370172527955679319982746101779529382447999363236";

    #[test]
    fn reference_vectors_decode_reencode_and_satisfy_the_group_law() {
        let p: Vec<Point> = W.iter().map(|w| dec(*w)).collect();
        for (i, (pt, w)) in p.iter().zip(W.iter()).enumerate() {
            assert_eq!(pt.to_limbs(), *w, "decode/encode of w{i} should round-trip");
            assert_eq!(pt.is_neutral(), i == 0, "only P0 should be the neutral");
        }
        assert_eq!(p[0], Point::NEUTRAL, "P0 should be the neutral");
        assert_ne!(p[1], p[2], "P1 and P2 differ");
        assert_eq!(
            (p[1] + p[2]).to_limbs(),
            W[3],
            "P1 + P2 should encode to w3"
        );
        assert_eq!(
            (p[1] + p[1]).to_limbs(),
            W[4],
            "P1 + P1 should encode to w4"
        );
        assert_eq!(p[1].double().to_limbs(), W[4], "2 P1 should encode to w4");
        assert_eq!(p[2].double().to_limbs(), W[5], "2 P2 should encode to w5");
        assert_eq!(
            (p[1].double() + p[2]).to_limbs(),
            W[6],
            "2 P1 + P2 should encode to w6"
        );
        assert_eq!(
            (p[1] + p[2] + p[2]).to_limbs(),
            W[7],
            "P1 + 2 P2 should encode to w7"
        );
        assert_eq!((p[0] + p[0]).to_limbs(), W[0], "N + N should be N");
        assert_eq!(p[0].double().to_limbs(), W[0], "2 N should be N");
        assert_eq!((p[0] + p[1]).to_limbs(), W[1], "N + P1 should be P1");
        assert_eq!((p[1] + p[0]).to_limbs(), W[1], "P1 + N should be P1");
        assert_eq!((p[1] - p[1]).to_limbs(), W[0], "P1 - P1 should be N");
        assert_eq!((p[1] - (-p[2])).to_limbs(), W[3], "P1 - (-P2) should be P3");
        let e = scalar_from_decimal(E_W);
        assert_eq!(p[1].mul(&e).to_limbs(), W[2], "e P1 should encode to w2");
    }

    /// Invalid encodings from github.com/pornin/ecgfp5, rust/src/curve.rs,
    /// test `ecgfp5_ops` (`bww`; also python/ecGFp5.py, `TestEcGFp5`).
    #[test]
    fn reference_invalid_encodings_fail_to_decode() {
        let bad: [[u64; 5]; 6] = [
            [
                13557832913345268708,
                15669280705791538619,
                8534654657267986396,
                12533218303838131749,
                5058070698878426028,
            ],
            [
                135036726621282077,
                17283229938160287622,
                13113167081889323961,
                1653240450380825271,
                520025869628727862,
            ],
            [
                6727960962624180771,
                17240764188796091916,
                3954717247028503753,
                1002781561619501488,
                4295357288570643789,
            ],
            [
                4578929270179684956,
                3866930513245945042,
                7662265318638150701,
                9503686272550423634,
                12241691520798116285,
            ],
            [
                16890297404904119082,
                6169724643582733633,
                9725973298012340311,
                5977049210035183790,
                11379332130141664883,
            ],
            [
                13777379982711219130,
                14715168412651470168,
                17942199593791635585,
                6188824164976547520,
                15461469634034461986,
            ],
        ];
        for (i, w) in bad.iter().enumerate() {
            assert_eq!(
                Point::decode(&g(*w)),
                None,
                "invalid encoding bww[{i}] should not decode"
            );
        }
    }

    /// From github.com/pornin/ecgfp5, rust/src/curve.rs, test `ecgfp5_mul`:
    /// w1 encodes a random P1, ebuf encodes a scalar e, w2 encodes e P1.
    #[test]
    fn reference_scalar_multiplication_vector_matches() {
        let w1 = [
            7534507442095725921,
            16658460051907528927,
            12417574136563175256,
            2750788641759288856,
            620002843272906439,
        ];
        let ebuf: [u8; 40] = [
            0x1B, 0x18, 0x51, 0xC8, 0x1D, 0x22, 0xD4, 0x0D, 0x6D, 0x36, 0xEC, 0xCE, 0x54, 0x27,
            0x41, 0x66, 0x08, 0x14, 0x2F, 0x8F, 0xFF, 0x64, 0xB4, 0x76, 0x28, 0xCD, 0x3F, 0xF8,
            0xAA, 0x25, 0x16, 0xD4, 0xBA, 0xD0, 0xCC, 0x02, 0x1A, 0x44, 0x7C, 0x03,
        ];
        let w2 = [
            9486104512504676657,
            14312981644741144668,
            5159846406177847664,
            15978863787033795628,
            3249948839313771192,
        ];
        let p1 = dec(w1);
        let p2 = dec(w2);
        let e = Scalar::from_bytes(&ebuf).expect("reference scalar is below n");
        let q = p1.mul(&e);
        assert_eq!(q, p2, "e P1 should equal the reference P2");
        assert_eq!(q.to_limbs(), w2, "e P1 should encode to the reference w2");
    }

    /// `(x, u)` of `i G` for i = 1..=16: github.com/pornin/ecgfp5,
    /// rust/src/multab.rs, table `G0` (entry i - 1).
    const G0_TABLE: [([u64; 5], [u64; 5]); 16] = [
        (
            [
                0xB2CA178ECF4453A1,
                0x3C757788836D3EA4,
                0x48D7F28A26DAFD0B,
                0x1E0F15C7FD44C28E,
                0x21FA7FFCC8252211,
            ],
            [
                0xBFFFFFFF40000001,
                0x0000000000000000,
                0x0000000000000000,
                0x0000000000000000,
                0x0000000000000000,
            ],
        ),
        (
            [
                0xE53A14C4FA645562,
                0x60A03B3FCD006755,
                0xA8957CB5D9603510,
                0xE6E3A7D2AE140D1F,
                0x2067DD994D85BE92,
            ],
            [
                0x755F62AABB0862CC,
                0x01EC60924033842A,
                0x2C3C144F634BCC44,
                0xFC49506D49454DA8,
                0x832FD0BD80667CB8,
            ],
        ),
        (
            [
                0x3F1721A8B4BFE250,
                0x135784DB6D866068,
                0xD30DD0109FFB1561,
                0x6DADE466D752E9A2,
                0xACF8C6DE680A22CE,
            ],
            [
                0xE33B8641C16CB542,
                0x51DF13BC6EFD7D24,
                0xF47A6CBCB19B08F4,
                0xF4D93DDB98BE42CD,
                0x2751D54472A53C2D,
            ],
        ),
        (
            [
                0x3C414CE1F8AAE143,
                0x7E727D66648035F2,
                0x6C3B9846D5F6B1EE,
                0xAF2022C48F8C580D,
                0xB513380B614CD936,
            ],
            [
                0x31BFB83AE0B6F4DD,
                0x17D63BD29B7ED7A0,
                0xE5A9E36118531AC2,
                0xF38EBF5B61B910B7,
                0xFF010361346C74E0,
            ],
        ),
        (
            [
                0xFB7AFB9F0749C52F,
                0x2F1B08170040D1C4,
                0x24C0E6F01ACB4244,
                0xB940E85295A4BDD9,
                0x2F934B66CC631967,
            ],
            [
                0x80916CD6733E31AD,
                0x670F5AE14E0CBD35,
                0x46E278D15F6E2188,
                0x8252B7241D444762,
                0x87D69BD8B06A37BE,
            ],
        ),
        (
            [
                0x99C65351B868D074,
                0x2B549ABB45AE3B05,
                0xE6D26BBB7D6983C7,
                0xCE8D90C97E847FFD,
                0x90490A2371237297,
            ],
            [
                0xC5D015B9654827DF,
                0xDA4537A57CA4CE22,
                0x36C70DD003F9210E,
                0x41CB4479D87846E6,
                0xF142FD633CB37552,
            ],
        ),
        (
            [
                0x4219C8AAA886A320,
                0xF821E49F695A9B94,
                0xBC7223437FA3F3BA,
                0x77D483207195D99F,
                0xBE37D76AD12515C5,
            ],
            [
                0x2E8E911431F24635,
                0xC019A6C715B9A781,
                0x417911CA4F5C8C33,
                0x6EBA314D3B0B4D84,
                0x8C6DC80B62684832,
            ],
        ),
        (
            [
                0x37E2A1C7E50102C2,
                0xBCAEA8E86E48319C,
                0x9F9654BF22E51108,
                0x8B0C420979D809A1,
                0xA659D6B7DA77C522,
            ],
            [
                0xC9AEF44D3444F179,
                0x84FCE8B4923CF2A1,
                0x2AC63DF0EAD62DFA,
                0x27AF8ADF6D3054C2,
                0x33FCA2A42C8C4310,
            ],
        ),
        (
            [
                0xDD27B15F06D34600,
                0x784D56F0C1D26C1F,
                0x06D180D9AD8C6590,
                0x5B62326A633F7A02,
                0xABE5478A46E4902C,
            ],
            [
                0xB76F2D032EE42A38,
                0x00B792BF8263FB30,
                0xD5BA9B5F40896B2D,
                0x5DB4A555E3DFA714,
                0x27A01C4CFCAF6622,
            ],
        ),
        (
            [
                0x7597F149CD01FFB1,
                0x21F55DA1987F38CE,
                0xF94895E941D11482,
                0x6071F8478A6FB91A,
                0x8147478709A8AD5F,
            ],
            [
                0x47C5FA108C16AF99,
                0x29FC9D7035795EA7,
                0x064A742C800C7F1E,
                0xC42AB1D12867714F,
                0x237A1D635AD89D2C,
            ],
        ),
        (
            [
                0x36F591486C28B83C,
                0x334A430D55CF5093,
                0x2872A90BFB945CBF,
                0x805E6320AE5B5820,
                0xF39AA3FF0F843A88,
            ],
            [
                0x29D7F90C194EE89D,
                0x94E8BD911C76E114,
                0x2DFE8D94E8698B00,
                0x1B89FD3E133A360C,
                0xBF423DD058BA8584,
            ],
        ),
        (
            [
                0xA0A63453B2520E76,
                0x154B9F3B3DED29A2,
                0x68A11C1528013C8F,
                0x903B80A6F09AE901,
                0x940A7401F7737C15,
            ],
            [
                0xE7801DEA8AE5C94D,
                0x9CA6A99FC677B56D,
                0x99A02F2C85B98888,
                0xD6EF067B29F73B09,
                0xBAE7DF0908F3326C,
            ],
        ),
        (
            [
                0x9B529BDD12BA8168,
                0x315948D3E2C24095,
                0x4A32AAD7F2BD5D71,
                0x3EA68814C835F7AC,
                0x3693DC2BFE7A0305,
            ],
            [
                0x4B3D8724805D3595,
                0x02D5D1434E2B7FA0,
                0x5433B329F514B8D9,
                0xE0B27774E7FD8AD5,
                0x39740438FA4DE60D,
            ],
        ),
        (
            [
                0xB70B88550BCDC40A,
                0x79CE838FD1512FC2,
                0xF2D254FD78B4176A,
                0xD21D143BD0C3D6E8,
                0xD7586F2424CD8A89,
            ],
            [
                0x0E7078E4323A9AF6,
                0x808BB98BE0705106,
                0x29802C432FD1B88F,
                0xFB97D7787351836F,
                0xAD55A82A983E13BE,
            ],
        ),
        (
            [
                0xF5DDAE987FE1A8B7,
                0xC72A5894CAE32911,
                0x329407834833459F,
                0x47C4368ABADAFC42,
                0x04175D3818D989BA,
            ],
            [
                0x68927FC54DE30BB1,
                0xCBC1374AC68435D3,
                0x0AE217DB1A860A3D,
                0x49486982ED44B94C,
                0xC7F1D337344580B9,
            ],
        ),
        (
            [
                0x787A277B60DFF343,
                0x6B93CDCC42380C6F,
                0xE359042B24517973,
                0x67599C1234CA257E,
                0x5F334A5914C62FFF,
            ],
            [
                0x8642ADFD967547F1,
                0x48D8168E1347C6DB,
                0x321FA2D8EF93D21F,
                0xFFDDFAA10ED7545D,
                0x31195BCBF821882E,
            ],
        ),
    ];

    /// `(k, x, u)` of `2^k G` for k = 40, 80, ..., 280: github.com/pornin/ecgfp5,
    /// rust/src/multab.rs, first entries of tables `G40` .. `G280`.
    const POW2_TABLE: [(u32, [u64; 5], [u64; 5]); 7] = [
        (
            40,
            [
                0x611A5359FCF0A4BF,
                0x12370F87B8C02B88,
                0x1B4C636C579F5ACE,
                0xAC89FBCF88F6C0A9,
                0x71A4E222268D96E3,
            ],
            [
                0x87B686E43F300726,
                0xB2051F0C83DF5ECD,
                0x732BFAACD02E6493,
                0x8B93DC17B6D61A39,
                0x84B2CEFEC769CBE1,
            ],
        ),
        (
            80,
            [
                0xBFF791CA85BC028C,
                0xF9FB2901AC55CA28,
                0x12104EC08515E4D1,
                0x7ED4B2E7EEB96EBD,
                0x3E86614EA1297F5F,
            ],
            [
                0x66234F2978C62E9A,
                0xE797BC8963F28598,
                0x3D0FEDC88533EFA9,
                0x4928C92B69FA6381,
                0xA1B5CC952764418D,
            ],
        ),
        (
            120,
            [
                0x81DFC7A7A5475CBD,
                0x56113BCFAC979210,
                0xF33847958D1D8345,
                0xFC3047B32E95A30B,
                0x9FF367E17679CF4E,
            ],
            [
                0xD590CF0CA8D4761E,
                0xF1D3810D25C0B2C6,
                0xD90967F9BFE553BF,
                0xD0BC6D8C9E227371,
                0x6E275038FA572267,
            ],
        ),
        (
            160,
            [
                0x3830EE0B997A7060,
                0x7497CABD07057DC0,
                0x75927E746D00183E,
                0x9C6DADCC11DEAEAC,
                0x9F66177B8921CD13,
            ],
            [
                0x8A86D127D7936BEF,
                0xE5149E6285479398,
                0x87F259B34E5BD418,
                0xC9BEF27D34416090,
                0xE8F755D40D6865BA,
            ],
        ),
        (
            200,
            [
                0xE616A89F4A4C3DDC,
                0x40965D57246A34FD,
                0x1A16EB3EFDFB7930,
                0x6371F59AB8442179,
                0x8B287EF89765E37C,
            ],
            [
                0xCB9DE30898259CD1,
                0x70E50403C409DE58,
                0x175767980E9CB777,
                0x2AE405D1B885A713,
                0x46883205F6461F73,
            ],
        ),
        (
            240,
            [
                0xA8A0EE7803A9262A,
                0x3A9E64856DDF4568,
                0xA8D15981C6B5E366,
                0x8C50DFC96818C3F6,
                0x67747DA91EA27AFA,
            ],
            [
                0x721E3407EBD5F510,
                0xCD45A5FB06B5D837,
                0x5ADF593FEF90259D,
                0xC3B0FFB9AA1C972A,
                0x86EF37AC9F5CF331,
            ],
        ),
        (
            280,
            [
                0xE101EFE0DD3D126E,
                0xEE415579E7763701,
                0x481DBDD5A30063D0,
                0x9A4A5A2CE9DC78D0,
                0x70DFF28028661446,
            ],
            [
                0x9DE418BD4B624FA5,
                0x3E080A3E987B0F4D,
                0x7D171E8A81DAF782,
                0x13B661FEF2D14550,
                0xE193CBFC0EC5427A,
            ],
        ),
    ];

    /// `(x, u)` of `16 * 2^280 G`: github.com/pornin/ecgfp5, rust/src/multab.rs,
    /// table `G280`, entry 15.
    const G280_16: ([u64; 5], [u64; 5]) = (
        [
            0x33E179A5F02EA96F,
            0x35486A003E0C192E,
            0x8A17FDB3A32F31A9,
            0xBCB9C322FE0B8DA8,
            0x7162143807AA558C,
        ],
        [
            0xF1848305499B4272,
            0xAA60A5F08C4015F2,
            0x01DFEB78A828F5BC,
            0x5E8F88CD8A52F258,
            0xDC499E276A245215,
        ],
    );

    #[test]
    fn small_multiples_of_the_generator_match_the_reference_table() {
        let mut acc = Point::NEUTRAL;
        for (i, (x, u)) in G0_TABLE.iter().enumerate() {
            acc = acc + Point::GENERATOR;
            let k = i as u64 + 1;
            assert_eq!(acc.to_affine(), (g(*x), g(*u)), "(x, u) of {k} G");
            assert_eq!(
                acc.encode(),
                g(*u).inverse_or_zero(),
                "encoding of {k} G should be 1/u"
            );
            assert_eq!(
                Point::mulgen(&Scalar::from_u64(k)),
                acc,
                "mulgen({k}) should be {k} G"
            );
        }
    }

    #[test]
    fn power_of_two_multiples_match_the_reference_tables() {
        for (k, x, u) in POW2_TABLE {
            let p = Point::GENERATOR.double_n(k);
            assert_eq!(p.to_affine(), (g(x), g(u)), "(x, u) of 2^{k} G");
            let mut limbs = [0u64; 5];
            limbs[k as usize / 64] = 1 << (k % 64);
            let s = Scalar::from_limbs_canonical(&limbs).expect("2^k < n");
            assert_eq!(Point::mulgen(&s), p, "mulgen(2^{k}) should be 2^{k} G");
            assert_eq!(
                Point::GENERATOR.mul(&s),
                p,
                "G.mul(2^{k}) should be 2^{k} G"
            );
        }
        let mut limbs = [0u64; 5];
        limbs[4] = 1 << (284 - 256);
        let s = Scalar::from_limbs_canonical(&limbs).expect("2^284 < n");
        let want = (g(G280_16.0), g(G280_16.1));
        assert_eq!(
            Point::mulgen(&s).to_affine(),
            want,
            "(x, u) of 16 * 2^280 G"
        );
    }

    #[test]
    fn generator_is_the_element_encoded_as_four() {
        let four = g([4, 0, 0, 0, 0]);
        assert_eq!(Point::GENERATOR.encode(), four, "G should encode to 4");
        assert_eq!(
            Point::decode(&four),
            Some(Point::GENERATOR),
            "4 should decode to G"
        );
        let (x, _) = Point::GENERATOR.to_affine();
        let y = x.mul_base(plonky2::field::types::Field::from_canonical_u64(4));
        let rhs = x * (x.square() + A * x + Gfp5::ONE.mul_small_z(B_Z));
        assert_eq!(y.square(), rhs, "G should satisfy y^2 = x(x^2 + a x + b)");
        assert!(!x.is_square(), "a group element's x should be a non-square");
    }

    #[test]
    fn curve_constants_are_those_of_a_double_odd_curve() {
        let b = Gfp5::ONE.mul_small_z(B_Z);
        assert_eq!(b.legendre(), -1, "b should be a non-square");
        assert_eq!(
            (A.square() - B_MUL4).legendre(),
            -1,
            "a^2 - 4b should be a non-square"
        );
        assert_eq!(
            B_MUL4,
            mul_b(&Gfp5::ONE).double().double(),
            "B_MUL4 should be 4b"
        );
    }

    fn random_point(rng: &mut ChaCha8Rng) -> Point {
        Point::mulgen(&Scalar::random(rng))
    }

    #[test]
    fn group_law_is_commutative_associative_with_neutral_and_inverses() {
        let mut rng = rng();
        for _ in 0..10 {
            let (p, q, r) = (
                random_point(&mut rng),
                random_point(&mut rng),
                random_point(&mut rng),
            );
            assert_eq!(p + q, q + p, "addition should commute");
            assert_eq!((p + q) + r, p + (q + r), "addition should associate");
            assert_eq!(p + Point::NEUTRAL, p, "N should be the identity");
            assert_eq!(p + (-p), Point::NEUTRAL, "P + (-P) should be N");
            assert_eq!(p.double(), p + p, "2P should equal P + P");
            assert_eq!((p - q) + q, p, "(P - Q) + Q should be P");
        }
    }

    #[test]
    fn multiplying_by_the_group_order_gives_the_neutral() {
        let mut rng = rng();
        let n_minus_1 = -Scalar::ONE;
        for p in [
            Point::GENERATOR,
            random_point(&mut rng),
            random_point(&mut rng),
        ] {
            // n P = (n - 1) P + P, since n itself is not a reduced scalar.
            let q = p.mul(&n_minus_1);
            assert_eq!(q, -p, "(n - 1) P should be -P");
            assert_eq!(q + p, Point::NEUTRAL, "n P should be N");
            assert_eq!(p.mul(&Scalar::ZERO), Point::NEUTRAL, "0 P should be N");
            assert_eq!(p.mul(&Scalar::ONE), p, "1 P should be P");
        }
        assert_eq!(
            Point::mulgen(&Scalar::ZERO),
            Point::NEUTRAL,
            "0 G should be N"
        );
        assert_eq!(
            Point::mulgen(&n_minus_1),
            -Point::GENERATOR,
            "(n - 1) G should be -G"
        );
    }

    #[test]
    fn mulgen_equals_variable_base_mul_on_the_generator() {
        let mut rng = rng();
        for _ in 0..10 {
            let s = Scalar::random(&mut rng);
            assert_eq!(
                Point::mulgen(&s),
                Point::GENERATOR.mul(&s),
                "mulgen and mul disagree for {s:?}"
            );
        }
    }

    #[test]
    fn scalar_multiplication_is_linear_in_the_scalar() {
        let mut rng = rng();
        for _ in 0..5 {
            let (a, b) = (Scalar::random(&mut rng), Scalar::random(&mut rng));
            let (pa, pb) = (Point::mulgen(&a), Point::mulgen(&b));
            assert_eq!(
                Point::mulgen(&(a + b)),
                pa + pb,
                "(a + b) G should be aG + bG"
            );
            assert_eq!(
                Point::mulgen(&(a * b)),
                pa.mul(&b),
                "(ab) G should be b (aG)"
            );
            assert_eq!(Point::mulgen(&(-a)), -pa, "(-a) G should be -(aG)");
        }
    }

    #[test]
    fn decoding_an_encoding_gives_back_the_point() {
        let mut rng = rng();
        for _ in 0..20 {
            let p = random_point(&mut rng);
            let w = p.encode();
            let q = Point::decode(&w).expect("an encoding should decode");
            assert_eq!(q, p, "decode(encode(P)) should be P");
            assert_eq!(q.encode(), w, "re-encoding should give the same w");
            assert_eq!(
                Point::from_limbs(&p.to_limbs()),
                Some(p),
                "limbs round-trip"
            );
        }
    }

    #[test]
    fn decoding_rejects_a_limb_at_or_above_p() {
        use super::super::field::P;
        // P1's encoding with one limb replaced by a value >= p; in particular
        // limb 0 + p is the same field element written non-canonically.
        let mut candidates = vec![];
        for pos in 0..5 {
            for bad in [P, P + 1, u64::MAX] {
                let mut limbs = W[1];
                limbs[pos] = bad;
                candidates.push(limbs);
            }
        }
        let mut alias = [W[1][0] % 7 + 1, 0, 0, 0, 0];
        let alias_ok = alias;
        alias[0] += P;
        candidates.push(alias);
        for limbs in candidates {
            assert_eq!(
                Point::from_limbs(&limbs),
                None,
                "limbs {limbs:?} contain a limb >= p and should be rejected"
            );
        }
        assert!(
            Gfp5::from_limbs_canonical(&alias_ok).is_some(),
            "the canonical form of the alias is a field element"
        );
    }

    #[test]
    fn decoding_random_field_elements_succeeds_exactly_for_curve_points() {
        let mut rng = rng();
        let (mut ok, mut bad) = (0, 0);
        for _ in 0..60 {
            let w = Gfp5::random(&mut rng);
            let e = w.square() - A;
            let valid = (e.square() - B_MUL4).is_square();
            match Point::decode(&w) {
                Some(p) => {
                    ok += 1;
                    assert!(
                        valid,
                        "decoded {w:?} though its discriminant is a non-square"
                    );
                    assert_eq!(
                        p.encode(),
                        w,
                        "a decoded point should re-encode to its input"
                    );
                    let (x, u) = p.to_affine();
                    let y = w * x;
                    let rhs = x * (x.square() + A * x + mul_b(&Gfp5::ONE));
                    assert_eq!(y.square(), rhs, "decoded point should lie on the curve");
                    assert!(!x.is_square(), "decoded x should be a non-square");
                    assert_eq!(u * w, Gfp5::ONE, "u should be 1/w");
                }
                None => {
                    bad += 1;
                    assert!(!valid, "rejected {w:?} though its discriminant is a square");
                }
            }
        }
        assert!(
            ok > 0 && bad > 0,
            "expected both outcomes, got {ok} valid and {bad} invalid"
        );
    }
}
