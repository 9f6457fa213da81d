//! Model parameters in JSON as exact decimal strings (`"0.23076923076923078"`).
//!
//! serde_json's default number parser may land one unit in the last place away from the
//! written value (its exact mode is a crate-wide feature that would rebuild the whole
//! Arrow/DataFusion stack), and a saved model must score exactly as the one that was
//! measured. Rust prints the shortest decimal that parses back to the same `f64`, and
//! `str::parse` is correctly rounded, so strings round-trip bit for bit. Plain JSON numbers
//! are still accepted on read.

use serde::{Deserialize, Deserializer, Serializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum Num {
    Text(String),
    Number(f64),
}

fn value<E: serde::de::Error>(n: Num) -> Result<f64, E> {
    match n {
        Num::Number(v) => Ok(v),
        Num::Text(s) => s.parse().map_err(|_| E::custom(format!("`{s}` is not a number"))),
    }
}

/// One `f64`.
pub mod one {
    use super::*;

    /// Writes the shortest exact decimal as a string.
    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{v:?}"))
    }

    /// Reads a string or a number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        value(Num::deserialize(d)?)
    }
}

/// A `Vec<f64>`.
pub mod many {
    use serde::ser::SerializeSeq;

    use super::*;

    /// Writes each as the shortest exact decimal string.
    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for x in v {
            seq.serialize_element(&format!("{x:?}"))?;
        }
        seq.end()
    }

    /// Reads strings or numbers.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<Num>::deserialize(d)?.into_iter().map(value).collect()
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct T {
        #[serde(with = "super::one")]
        a: f64,
        #[serde(with = "super::many")]
        b: Vec<f64>,
    }

    #[test]
    fn floats_round_trip_bit_for_bit() {
        let t = T { a: 0.23076923076923078, b: vec![0.1 + 0.2, 1e-300, -2.5, 1.0 / 3.0, 0.2307692307692308] };
        let back: T = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(back, t);
        let plain: T = serde_json::from_str(r#"{"a": 1.5, "b": [2, "3.25"]}"#).unwrap();
        assert_eq!(plain, T { a: 1.5, b: vec![2.0, 3.25] });
    }
}
