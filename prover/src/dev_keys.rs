//! INSECURE development wrap keys, cached on disk: what the demo and the
//! settlement benchmark wrap with. Production keys come from the ceremony.

use std::path::{Path, PathBuf};
use std::time::Instant;

use tracing::{info, warn};
use zkr_aggregator::wrap::keys::{KeysDir, KeysError, Origin};
use zkr_aggregator::wrap::wrapper::{Wrapper, WrapperError};
use zkr_aggregator::Circuits;

/// Where the dev keys of one capacity are cached: the user's cache directory.
pub fn default_dir(capacity: usize) -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".zkr-cache"));
    cache
        .join("zkr")
        .join("wrap-dev-keys")
        .join(format!("capacity-{capacity}"))
}

/// Whether [`load_or_make`] found the keys or made them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Read from the directory.
    Loaded,
    /// Made by an insecure setup and written to the directory.
    Made,
}

/// The wrap of `circuits` with the dev keys in `dir`: loaded when present,
/// else made (insecurely) and written there for the next run. Keys of another
/// circuit (a cache left by another zkr version) are replaced when
/// `replace_stale`, else refused.
pub fn load_or_make(
    circuits: &Circuits,
    dir: &Path,
    replace_stale: bool,
) -> Result<(Wrapper, Source), WrapperError> {
    let keys = KeysDir::new(dir);
    if keys.exists() {
        match Wrapper::load(circuits.aggregation(), &keys, true) {
            Ok(w) => return Ok((w, Source::Loaded)),
            Err(WrapperError::Keys(KeysError::WrongCircuit { found, .. })) if replace_stale => {
                warn!(dir = %dir.display(), stale = %found, "cached wrap keys are for another circuit: making new ones");
            }
            Err(e) => return Err(e),
        }
    }
    Ok((make(circuits, &keys)?, Source::Made))
}

/// Makes insecure dev keys for `circuits`' wrap and writes them to `dir`.
pub fn make(circuits: &Circuits, dir: &KeysDir) -> Result<Wrapper, WrapperError> {
    warn!(
        dir = %dir.path().display(),
        "generating INSECURE development wrap keys: whoever ran this can forge proofs"
    );
    let start = Instant::now();
    let wrapper = Wrapper::setup_insecure_dev(circuits.aggregation(), &mut rand::rngs::OsRng)?;
    info!(elapsed = ?start.elapsed(), capacity = circuits.capacity(), "wrap keys generated");
    wrapper.save(dir, Origin::InsecureDev)?;
    Ok(wrapper)
}
