//! Compiles `zkr/v1/*.proto` into Rust (messages, clients and servers) and a
//! file descriptor set for gRPC reflection, with the vendored `protoc`.

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "zkr/v1/common.proto",
    "zkr/v1/sequencer.proto",
    "zkr/v1/prover_fleet.proto",
    "zkr/v1/admin.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let protoc = protoc_bin_vendored::protoc_bin_path()?;

    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc);

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .file_descriptor_set_path(out_dir.join("zkr_v1_descriptor.bin"))
        .compile_with_config(config, PROTOS, &["."])?;
    Ok(())
}
