pragma circom 2.0.0;
include "circuits/babyjub.circom";
include "circuits/comparators.circom";

// A Baby Jubjub public key from its secret scalar, and a 64-bit range check
// of an amount against a public limit.
template KeyAndAmount() {
    signal input secret;
    signal input amount;
    signal input limit;
    signal output ax;
    signal output ay;
    component pbk = BabyPbk();
    pbk.in <== secret;
    ax <== pbk.Ax;
    ay <== pbk.Ay;
    component lt = LessThan(64);
    lt.in[0] <== amount;
    lt.in[1] <== limit;
    lt.out === 1;
}

component main {public [limit]} = KeyAndAmount();
