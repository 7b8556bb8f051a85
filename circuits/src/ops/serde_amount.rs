//! Amounts as decimal strings in JSON (128-bit values do not survive JSON numbers
//! in most clients); plain numbers are accepted too.

use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Either {
    Str(String),
    Num(u64),
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
    match Either::deserialize(d)? {
        Either::Str(s) => s
            .parse::<u128>()
            .map_err(|e| serde::de::Error::custom(format!("amount {s:?}: {e}"))),
        Either::Num(n) => Ok(n as u128),
    }
}
