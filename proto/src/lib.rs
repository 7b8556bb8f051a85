//! zkr's gRPC API: the `Sequencer` and `ProverFleet` services of package
//! `zkr.v1` (messages, clients and servers generated from `proto/zkr/v1/`),
//! conversions to the rollup's Rust types, and gRPC reflection.

pub mod convert;

/// Messages, clients and servers of package `zkr.v1`.
#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    rustdoc::all
)]
pub mod v1 {
    tonic::include_proto!("zkr.v1");
}

/// Encoded file descriptor set of every `zkr.v1` proto file, for `tonic_reflection`.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("zkr_v1_descriptor");

/// Builds a gRPC reflection service (`grpc.reflection.v1`) describing the zkr API.
pub fn reflection_service_v1() -> Result<
    tonic_reflection::server::v1::ServerReflectionServer<
        impl tonic_reflection::server::v1::ServerReflection,
    >,
    tonic_reflection::server::Error,
> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .build_v1()
}

/// Builds a gRPC reflection service (`grpc.reflection.v1alpha`, for older clients).
pub fn reflection_service_v1alpha() -> Result<
    tonic_reflection::server::v1alpha::ServerReflectionServer<
        impl tonic_reflection::server::v1alpha::ServerReflection,
    >,
    tonic_reflection::server::Error,
> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .build_v1alpha()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_set_holds_every_file_and_service() {
        let contains = |needle: &str| {
            FILE_DESCRIPTOR_SET
                .windows(needle.len())
                .any(|w| w == needle.as_bytes())
        };
        for name in [
            "zkr/v1/common.proto",
            "zkr/v1/sequencer.proto",
            "zkr/v1/prover_fleet.proto",
            "Sequencer",
            "ProverFleet",
            "SubmitBatch",
            "WatchBatches",
            "AcquireJob",
            "SealRange",
        ] {
            assert!(
                contains(name),
                "expected {name:?} in the file descriptor set"
            );
        }
    }

    #[test]
    fn reflection_services_build_from_the_descriptor_set() {
        if let Err(e) = reflection_service_v1() {
            panic!("expected the v1 reflection service to build, got: {e}");
        }
        if let Err(e) = reflection_service_v1alpha() {
            panic!("expected the v1alpha reflection service to build, got: {e}");
        }
    }

    #[test]
    fn clients_and_servers_are_generated() {
        fn exists<T>() {}
        exists::<v1::sequencer_server::SequencerServer<()>>();
        exists::<v1::prover_fleet_server::ProverFleetServer<()>>();
        exists::<v1::sequencer_client::SequencerClient<tonic::transport::Channel>>();
        exists::<v1::prover_fleet_client::ProverFleetClient<tonic::transport::Channel>>();
        assert_eq!(
            v1::sequencer_server::SERVICE_NAME,
            "zkr.v1.Sequencer",
            "service name"
        );
        assert_eq!(
            v1::prover_fleet_server::SERVICE_NAME,
            "zkr.v1.ProverFleet",
            "service name"
        );
    }
}
