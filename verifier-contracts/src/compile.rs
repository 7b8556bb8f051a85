//! Solidity to EVM bytecode, through solc's standard JSON interface.
//!
//! The compiler is pinned: [`SOLC_VERSION`] is the release the generated
//! pragma names and `package.json` installs. [`Solc::find`] looks, in order,
//! for the binary named by `ZKR_SOLC`, a `solc` on `PATH` of that release, and
//! the npm package `solc` in `verifier-contracts/node_modules` (its
//! WebAssembly build, run by `node`; `npm ci` in `verifier-contracts/`
//! installs it).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use alloy::json_abi::JsonAbi;
use alloy::primitives::Bytes;
use serde::Deserialize;

/// The solc release contracts are compiled with (and the generated pragma pins).
pub const SOLC_VERSION: &str = "0.8.37";
/// The EVM version contracts are compiled for: Ethereum mainnet's current fork.
pub const EVM_VERSION: &str = "osaka";
/// The optimizer's `runs` setting.
pub const OPTIMIZER_RUNS: u32 = 200;
/// The environment variable that names a native solc binary to use.
pub const SOLC_ENV: &str = "ZKR_SOLC";

/// Runs solc's npm package (its `compile` takes and returns standard JSON)
/// without the `solcjs` command line, which prints notes into its JSON output.
const NPM_SOLC_SCRIPT: &str = "const solc = require(process.argv[1]); \
     const input = require('fs').readFileSync(0, 'utf8'); \
     process.stdout.write(solc.compile(input));";

/// Why a contract did not compile.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// No solc of [`SOLC_VERSION`] was found.
    #[error(
        "no solc {SOLC_VERSION} found (run `npm ci` in verifier-contracts/, or set {SOLC_ENV} \
         to a solc {SOLC_VERSION} binary); tried: {}",
        tried.join("; ")
    )]
    NotFound {
        /// Each place looked at, and why it was passed over.
        tried: Vec<String>,
    },
    /// The solc named by `ZKR_SOLC` does not run, or is another release.
    #[error("{SOLC_ENV}={}: {reason}", path.display())]
    EnvSolc {
        /// The binary.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The compiler could not be started or fed.
    #[error("could not run {program}: {source}")]
    Run {
        /// The compiler, as [`Solc`]'s `Display` names it.
        program: String,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The compiler exited with a failure status.
    #[error("{program} exited with {status}: {stderr}")]
    Exited {
        /// The compiler.
        program: String,
        /// Its exit status.
        status: ExitStatus,
        /// What it wrote to stderr.
        stderr: String,
    },
    /// The compiler's output is not the standard JSON expected.
    #[error("{program} wrote output that is not solc standard JSON: {reason}")]
    Output {
        /// The compiler.
        program: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The source has errors.
    #[error("solc rejected {file}:\n{}", messages.join("\n"))]
    Rejected {
        /// The source file name.
        file: String,
        /// solc's error messages.
        messages: Vec<String>,
    },
    /// The source compiled but does not define the contract asked for.
    #[error("solc output for {file} has no contract {contract} (it has: {})", found.join(", "))]
    NoContract {
        /// The source file name.
        file: String,
        /// The contract asked for.
        contract: String,
        /// The contracts the file does define.
        found: Vec<String>,
    },
}

/// A compiled contract.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The contract's name.
    pub contract: String,
    /// Its ABI.
    pub abi: JsonAbi,
    /// Creation code (what a deployment transaction carries).
    pub bytecode: Bytes,
    /// Runtime code (what the deployed account holds, immutables left zero).
    pub deployed_bytecode: Bytes,
    /// Byte ranges `(start, length)` of the runtime code that the constructor
    /// fills with immutable values.
    pub immutable_ranges: Vec<(usize, usize)>,
    /// solc's warnings for the source, formatted.
    pub warnings: Vec<String>,
}

impl Compiled {
    /// Whether `code` (an account's code) is this contract's runtime code,
    /// whatever its immutables were set to.
    pub fn is_runtime_code(&self, code: &[u8]) -> bool {
        if code.len() != self.deployed_bytecode.len() {
            return false;
        }
        let mut expected = self.deployed_bytecode.to_vec();
        let mut found = code.to_vec();
        for &(start, length) in &self.immutable_ranges {
            let Some(range) = expected.get_mut(start..start + length) else {
                return false;
            };
            range.fill(0);
            found[start..start + length].fill(0);
        }
        expected == found
    }
}

/// A solc of [`SOLC_VERSION`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Solc {
    /// A native binary.
    Native(PathBuf),
    /// The npm package (WebAssembly), run by `node`: the package's directory.
    Npm(PathBuf),
}

impl std::fmt::Display for Solc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Solc::Native(path) => write!(f, "solc ({})", path.display()),
            Solc::Npm(dir) => write!(f, "solc npm package ({}, run by node)", dir.display()),
        }
    }
}

impl Solc {
    /// Finds a solc of [`SOLC_VERSION`]: `ZKR_SOLC`, then `solc` on `PATH`, then the npm package.
    pub fn find() -> Result<Solc, CompileError> {
        if let Some(path) = std::env::var_os(SOLC_ENV) {
            let path = PathBuf::from(path);
            return match native_version(&path) {
                Ok(found) if found == SOLC_VERSION => Ok(Solc::Native(path)),
                Ok(found) => Err(CompileError::EnvSolc {
                    path,
                    reason: format!("it is solc {found}, expected {SOLC_VERSION}"),
                }),
                Err(reason) => Err(CompileError::EnvSolc { path, reason }),
            };
        }
        let mut tried = Vec::new();
        let on_path = PathBuf::from("solc");
        match native_version(&on_path) {
            Ok(found) if found == SOLC_VERSION => return Ok(Solc::Native(on_path)),
            Ok(found) => tried.push(format!("solc on PATH is {found}")),
            Err(reason) => tried.push(format!("solc on PATH: {reason}")),
        }
        let package = npm_package_dir();
        match npm_version(&package) {
            Ok(found) if found == SOLC_VERSION => return Ok(Solc::Npm(package)),
            Ok(found) => tried.push(format!("{} is {found}", package.display())),
            Err(reason) => tried.push(format!("{}: {reason}", package.display())),
        }
        Err(CompileError::NotFound { tried })
    }

    /// Compiles `source` (named `file`) and returns its contract `contract`.
    pub fn compile(
        &self,
        file: &str,
        source: &str,
        contract: &str,
    ) -> Result<Compiled, CompileError> {
        self.compile_sources(&[(file, source)], file, contract)
    }

    /// Compiles `sources` (name and text; they import each other by name)
    /// and returns contract `contract` of file `file`.
    pub fn compile_sources(
        &self,
        sources: &[(&str, &str)],
        file: &str,
        contract: &str,
    ) -> Result<Compiled, CompileError> {
        let sources: serde_json::Map<String, serde_json::Value> = sources
            .iter()
            .map(|(name, text)| (name.to_string(), serde_json::json!({ "content": text })))
            .collect();
        let input = serde_json::json!({
            "language": "Solidity",
            "sources": sources,
            "settings": {
                "optimizer": { "enabled": true, "runs": OPTIMIZER_RUNS },
                "evmVersion": EVM_VERSION,
                "outputSelection": {
                    "*": { "*": [
                        "abi",
                        "evm.bytecode.object",
                        "evm.deployedBytecode.object",
                        "evm.deployedBytecode.immutableReferences"
                    ] }
                }
            }
        });
        let stdout = self.run_standard_json(input.to_string().as_bytes())?;
        self.read_output(&stdout, file, contract)
    }

    fn run_standard_json(&self, input: &[u8]) -> Result<Vec<u8>, CompileError> {
        let mut command = match self {
            Solc::Native(path) => {
                let mut c = Command::new(path);
                c.arg("--standard-json");
                c
            }
            Solc::Npm(dir) => {
                let mut c = Command::new("node");
                c.arg("-e")
                    .arg(NPM_SOLC_SCRIPT)
                    .arg(OsString::from(dir.as_os_str()));
                c
            }
        };
        let run_error = |source| CompileError::Run {
            program: self.to_string(),
            source,
        };
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(run_error)?;
        // solc reads all of its input before it writes anything: no deadlock.
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(input).map_err(run_error)?;
        }
        let output = child.wait_with_output().map_err(run_error)?;
        if !output.status.success() {
            return Err(CompileError::Exited {
                program: self.to_string(),
                status: output.status,
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        Ok(output.stdout)
    }

    fn read_output(
        &self,
        stdout: &[u8],
        file: &str,
        contract: &str,
    ) -> Result<Compiled, CompileError> {
        let bad = |reason: String| CompileError::Output {
            program: self.to_string(),
            reason,
        };
        let output: StandardJsonOutput =
            serde_json::from_slice(stdout).map_err(|e| bad(e.to_string()))?;
        let (errors, warnings): (Vec<_>, Vec<_>) = output
            .errors
            .into_iter()
            .filter(|d| d.severity != "info")
            .partition(|d| d.severity == "error");
        if !errors.is_empty() {
            return Err(CompileError::Rejected {
                file: file.to_owned(),
                messages: errors.into_iter().map(Diagnostic::text).collect(),
            });
        }
        let contracts = output.contracts.get(file);
        let Some(compiled) = contracts.and_then(|c| c.get(contract)) else {
            return Err(CompileError::NoContract {
                file: file.to_owned(),
                contract: contract.to_owned(),
                found: contracts
                    .map(|c| c.keys().cloned().collect())
                    .unwrap_or_default(),
            });
        };
        let code = |what: &str, object: &str| {
            hex::decode(object.trim_start_matches("0x"))
                .map(Bytes::from)
                .map_err(|e| bad(format!("{contract} {what} is not hex: {e}")))
        };
        Ok(Compiled {
            contract: contract.to_owned(),
            abi: compiled.abi.clone(),
            bytecode: code("bytecode", &compiled.evm.bytecode.object)?,
            deployed_bytecode: code("deployed bytecode", &compiled.evm.deployed_bytecode.object)?,
            immutable_ranges: compiled
                .evm
                .deployed_bytecode
                .immutable_references
                .values()
                .flatten()
                .map(|r| (r.start, r.length))
                .collect(),
            warnings: warnings.into_iter().map(Diagnostic::text).collect(),
        })
    }
}

/// Compiles contract `contract` of `source` (named `file`) with the solc [`Solc::find`] finds.
pub fn compile(file: &str, source: &str, contract: &str) -> Result<Compiled, CompileError> {
    Solc::find()?.compile(file, source, contract)
}

/// [`Solc::compile_sources`] with the solc [`Solc::find`] finds.
pub fn compile_sources(
    sources: &[(&str, &str)],
    file: &str,
    contract: &str,
) -> Result<Compiled, CompileError> {
    Solc::find()?.compile_sources(sources, file, contract)
}

/// `verifier-contracts/node_modules/solc` of this crate's source tree.
fn npm_package_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/solc")
}

/// The release a native solc reports (`Version: 0.8.37+commit...`), or why there is none.
fn native_version(path: &Path) -> Result<String, String> {
    let output = Command::new(path)
        .arg("--version")
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("Version: "))
        .map(|v| v.split('+').next().unwrap_or(v).trim().to_owned())
        .ok_or_else(|| format!("`--version` printed no version: {:?}", text.trim()))
}

/// The release of the npm package in `dir`, from its `package.json`.
fn npm_version(dir: &Path) -> Result<String, String> {
    #[derive(Deserialize)]
    struct PackageJson {
        version: String,
    }
    let text = std::fs::read_to_string(dir.join("package.json")).map_err(|e| e.to_string())?;
    serde_json::from_str::<PackageJson>(&text)
        .map(|p| p.version)
        .map_err(|e| format!("package.json: {e}"))
}

#[derive(Deserialize)]
struct StandardJsonOutput {
    #[serde(default)]
    errors: Vec<Diagnostic>,
    #[serde(default)]
    contracts: BTreeMap<String, BTreeMap<String, ContractOutput>>,
}

#[derive(Deserialize)]
struct Diagnostic {
    severity: String,
    message: String,
    #[serde(rename = "formattedMessage")]
    formatted_message: Option<String>,
}

impl Diagnostic {
    fn text(self) -> String {
        self.formatted_message
            .unwrap_or(self.message)
            .trim_end()
            .to_owned()
    }
}

#[derive(Deserialize)]
struct ContractOutput {
    abi: JsonAbi,
    evm: EvmOutput,
}

#[derive(Deserialize)]
struct EvmOutput {
    bytecode: CodeOutput,
    #[serde(rename = "deployedBytecode")]
    deployed_bytecode: CodeOutput,
}

#[derive(Deserialize)]
struct CodeOutput {
    object: String,
    #[serde(default, rename = "immutableReferences")]
    immutable_references: BTreeMap<String, Vec<ImmutableReference>>,
}

#[derive(Deserialize)]
struct ImmutableReference {
    start: usize,
    length: usize,
}
