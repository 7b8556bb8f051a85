pragma circom 2.0.0;
include "circuits/poseidon.circom";

// circomlib's Poseidon over three public inputs.
component main {public [inputs]} = Poseidon(3);
