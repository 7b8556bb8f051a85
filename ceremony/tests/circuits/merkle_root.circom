pragma circom 2.0.0;
include "circuits/poseidon.circom";
include "circuits/mux1.circom";

// The root of a Merkle path of `levels` Poseidon(2) hashes over `leaf`.
template MerkleRoot(levels) {
    signal input leaf;
    signal input siblings[levels];
    signal input indices[levels];
    signal output root;
    component hashers[levels];
    component mux[levels];
    signal level[levels + 1];
    level[0] <== leaf;
    for (var i = 0; i < levels; i++) {
        indices[i] * (1 - indices[i]) === 0;
        mux[i] = MultiMux1(2);
        mux[i].c[0][0] <== level[i];
        mux[i].c[0][1] <== siblings[i];
        mux[i].c[1][0] <== siblings[i];
        mux[i].c[1][1] <== level[i];
        mux[i].s <== indices[i];
        hashers[i] = Poseidon(2);
        hashers[i].inputs[0] <== mux[i].out[0];
        hashers[i].inputs[1] <== mux[i].out[1];
        level[i + 1] <== hashers[i].out;
    }
    root <== level[levels];
}

component main {public [leaf]} = MerkleRoot(8);
