//! Hostile clients over gRPC, with raw bytes rather than the generated
//! clients: every RPC, with no token, a wrong one and each role's, is refused
//! unless the token is its role's; bytes that are not protobuf, sent with the
//! right token, get gRPC's own decode error (tonic answers INTERNAL, "failed to
//! decode"); the coordinator keeps serving and loses nothing it accepted.

use crate::common::*;
use bytes::{Buf, BufMut};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};
use zkr_circuits::state::StateView;

/// Sends and receives message bytes as they are.
#[derive(Clone, Copy, Default)]
struct Raw;

impl Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Encoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        let n = src.remaining();
        Ok(Some(src.copy_to_bytes(n).to_vec()))
    }
}

/// Every RPC: its path, the token it takes, and whether it streams its answer.
const RPCS: &[(&str, &str, bool)] = &[
    ("/zkr.v1.Sequencer/SubmitBatch", SEQ_TOKEN, false),
    ("/zkr.v1.Sequencer/GetBatch", SEQ_TOKEN, false),
    ("/zkr.v1.Sequencer/WatchBatches", SEQ_TOKEN, true),
    ("/zkr.v1.Sequencer/GetProof", SEQ_TOKEN, false),
    ("/zkr.v1.Sequencer/SealRange", SEQ_TOKEN, false),
    ("/zkr.v1.Sequencer/GetRange", SEQ_TOKEN, false),
    ("/zkr.v1.Sequencer/ListRanges", SEQ_TOKEN, false),
    ("/zkr.v1.ProverFleet/RegisterWorker", WORKER_TOKEN, false),
    ("/zkr.v1.ProverFleet/AcquireJob", WORKER_TOKEN, false),
    ("/zkr.v1.ProverFleet/Heartbeat", WORKER_TOKEN, false),
    ("/zkr.v1.ProverFleet/CompleteJob", WORKER_TOKEN, false),
    ("/zkr.v1.ProverFleet/FailJob", WORKER_TOKEN, false),
    ("/zkr.v1.Admin/RevertBatches", ADMIN_TOKEN, false),
    ("/zkr.v1.Admin/RetryJobs", ADMIN_TOKEN, false),
];

/// Bytes no protobuf message decodes from: a varint past 10 bytes, a
/// length-delimited field claiming 4 GiB, a varint cut short.
fn garbage() -> [Vec<u8>; 3] {
    [
        vec![0xff; 64],
        vec![0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3],
        vec![0x08, 0x80],
    ]
}

/// Calls `path` with `body` as the request message and `token` as bearer.
async fn call(
    ch: &Channel,
    path: &'static str,
    streaming: bool,
    token: Option<&str>,
    body: Vec<u8>,
) -> Result<(), Status> {
    let mut grpc = tonic::client::Grpc::new(ch.clone());
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    let mut request = Request::new(body);
    if let Some(t) = token {
        let value = format!("Bearer {t}")
            .parse()
            .map_err(|_| Status::invalid_argument("token is not a header value"))?;
        request.metadata_mut().insert("authorization", value);
    }
    let path = PathAndQuery::from_static(path);
    if streaming {
        let mut stream = grpc
            .server_streaming(request, path, Raw)
            .await?
            .into_inner();
        stream.message().await?;
        Ok(())
    } else {
        grpc.unary(request, path, Raw).await.map(|_| ())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_rpc_refuses_other_roles_and_answers_garbage_with_the_decode_error_losing_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let served = serve_on(dir.path(), 60_000).await;
    let subs = submissions(2, 12);
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    seq.submit_batch(zkr_proto::v1::SubmitBatchRequest::from(&subs[0]))
        .await
        .expect("batch 1 accepted");
    let root = StateView::new(served.coord.store().state())
        .root()
        .expect("root");
    let ch = zkr_prover::client::channel(&served.url(), None)
        .await
        .expect("connect");

    for &(path, role, streaming) in RPCS {
        for token in [
            None,
            Some("wrong"),
            Some(SEQ_TOKEN),
            Some(WORKER_TOKEN),
            Some(ADMIN_TOKEN),
        ] {
            if token == Some(role) {
                continue;
            }
            for body in garbage() {
                match call(&ch, path, streaming, token, body).await {
                    Err(s) if s.code() == Code::Unauthenticated => {}
                    other => panic!(
                        "{path} with token {token:?}: expected UNAUTHENTICATED, got {other:?}"
                    ),
                }
            }
        }
        for body in garbage() {
            match call(&ch, path, streaming, Some(role), body.clone()).await {
                Err(s) if s.code() == Code::Internal && s.message().contains("decode") => {}
                other => panic!(
                    "{path} with its role's token and bytes {body:02x?}: expected gRPC's decode error, got {other:?}"
                ),
            }
        }
    }

    // Nothing changed, and the coordinator still serves.
    assert_eq!(
        (
            served.coord.store().last_batch().expect("last batch"),
            StateView::new(served.coord.store().state())
                .root()
                .expect("root")
        ),
        (1, root),
        "expected batch 1 and the state root kept"
    );
    seq.submit_batch(zkr_proto::v1::SubmitBatchRequest::from(&subs[1]))
        .await
        .expect("batch 2 accepted after the barrage");
    served.stop().await;
}
