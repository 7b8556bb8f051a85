//! Prints the wrap circuit's size for several shrink FRI parameter sets, all
//! at 100 or more bits of conjectured security: the figures behind
//! [`zkr_aggregator::wrap::shrink::SHRINK_FRI`].
//!
//! `cargo run --release -p zkr-aggregator --example wrap_cost`

use zkr_aggregator::wrap::circuit::WrapCircuit;
use zkr_aggregator::wrap::shrink::{ShrinkCircuit, ShrinkFri, SHRINK_FRI};
use zkr_aggregator::Circuits;
use zkr_circuits::ops::signing::DEFAULT_CHAIN_ID;

fn main() -> anyhow::Result<()> {
    let circuits = Circuits::build(4, DEFAULT_CHAIN_ID)?;
    let candidates = [
        SHRINK_FRI,
        ShrinkFri {
            queries: 27,
            pow_bits: 19,
            ..SHRINK_FRI
        },
        ShrinkFri {
            arity_bits: 4,
            ..SHRINK_FRI
        },
        ShrinkFri {
            arity_bits: 2,
            ..SHRINK_FRI
        },
        ShrinkFri {
            final_poly_bits: 5,
            ..SHRINK_FRI
        },
        ShrinkFri {
            rate_bits: 4,
            queries: 21,
            ..SHRINK_FRI
        },
        ShrinkFri {
            rate_bits: 4,
            queries: 20,
            pow_bits: 20,
            ..SHRINK_FRI
        },
    ];
    println!("rate queries pow arity final | security | degree | constraints (alloc, fri)");
    for fri in candidates {
        let shrink = ShrinkCircuit::build_with(circuits.aggregation(), fri);
        let cost = WrapCircuit::new(&shrink, None)?.cost()?;
        println!(
            "{:>4} {:>7} {:>3} {:>5} {:>5} | {:>8} | 2^{:<4} | {} ({}, {})",
            fri.rate_bits,
            fri.queries,
            fri.pow_bits,
            fri.arity_bits,
            fri.final_poly_bits,
            fri.security_bits(),
            shrink.degree_bits(),
            cost.total(),
            cost.allocation,
            cost.fri
        );
    }
    Ok(())
}
