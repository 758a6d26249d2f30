//! Stages: the units of a [`crate::Pipeline`].
//!
//! A [`Stage`] sees one record at a time and holds no mutable state, so the pipeline runs it on
//! many records in parallel. A [`StatefulStage`] (deduplication, sampling, counting) sees records
//! one by one in input order. Both are object-safe, so a pipeline is a list of boxed stages.
//!
//! Every stage has a serde-serialisable config; its [`Fingerprint`] is the BLAKE3 hash of the
//! stage name, its crate version and the canonical JSON of the config — the key for caching.
//!
//! Most stages are written with the closure adapters:
//!
//! ```
//! use dataprep_core::{Action, Context, FilterStage, MapStage, Record, Stage, Decision};
//! let upper = MapStage::new("upper", (), |r: &mut Record, _cx: &Context| {
//!     let t = r.str("text")?.to_uppercase();
//!     r.set("text", t);
//!     Ok(())
//! });
//! #[derive(serde::Serialize)]
//! struct MinLen { min_chars: usize }
//! let short = FilterStage::new("min_len", MinLen { min_chars: 3 }, |r: &mut Record, cx: &Context| {
//!     let n = r.str("text")?.chars().count();
//!     r.set_score(cx.stage(), "chars", n as f64);
//!     Ok(if n >= 3 { Decision::Keep } else { Decision::drop("too_short") })
//! });
//! let cx = Context::new("upper", 0);
//! let mut r = Record::new().with("text", "ab");
//! assert!(matches!(upper.process(&mut r, &cx)?, Action::Keep));
//! assert_eq!(r.str("text")?, "AB");
//! let cx = Context::new("min_len", 0);
//! assert!(matches!(short.process(&mut r, &cx)?, Action::Drop(reason) if reason == "too_short"));
//! assert_eq!(r.score("min_len", "chars"), Some(2.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use crate::error::{RecordError, Result};
use crate::record::Record;
use crate::rng::{RecordRng, record_rng};

/// What a stage does with a record.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Action {
    /// Keep the (possibly modified) record.
    Keep,
    /// Drop the record with a short, stable reason (counted per reason; the record, with any scores
    /// attached, goes to the pipeline's dropped sink if one is set).
    Drop(Cow<'static, str>),
    /// Replace the record by these records (flat-map: zero, one or many).
    Replace(Vec<Record>),
}

impl Action {
    /// [`Action::Drop`] with a reason.
    pub fn drop(reason: impl Into<Cow<'static, str>>) -> Self {
        Action::Drop(reason.into())
    }
}

/// A filter's verdict; converts into [`Action`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Keep the record.
    Keep,
    /// Drop it, with a short, stable reason.
    Drop(Cow<'static, str>),
}

impl Decision {
    /// [`Decision::Drop`] with a reason.
    pub fn drop(reason: impl Into<Cow<'static, str>>) -> Self {
        Decision::Drop(reason.into())
    }

    /// True for `Keep`.
    pub fn is_keep(&self) -> bool {
        matches!(self, Decision::Keep)
    }
}

impl From<Decision> for Action {
    fn from(d: Decision) -> Self {
        match d {
            Decision::Keep => Action::Keep,
            Decision::Drop(r) => Action::Drop(r),
        }
    }
}

/// What a stage knows about the run: its own name and the root seed.
#[derive(Debug, Clone)]
pub struct Context {
    stage: String,
    seed: u64,
}

impl Context {
    /// A context for `stage` with root seed `seed`.
    pub fn new(stage: impl Into<String>, seed: u64) -> Self {
        Context {
            stage: stage.into(),
            seed,
        }
    }

    /// The stage name.
    pub fn stage(&self) -> &str {
        &self.stage
    }

    /// The root seed of the run.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The RNG for this record in this stage, derived from (root seed, stage, record key), so that
    /// random outcomes do not depend on thread count or scheduling.
    pub fn rng(&self, record: &Record) -> RecordRng {
        record_rng(self.seed, &self.stage, record.key())
    }
}

/// A stable 256-bit identity of a stage's behaviour: name, crate version and config.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The fingerprint of a stage named `name` from a crate at `version` with `config`.
    ///
    /// The config is hashed as canonical JSON (fields in declaration order; maps should be ordered
    /// maps such as `BTreeMap` for the hash to be stable).
    pub fn of(name: &str, version: &str, config: &serde_json::Value) -> Self {
        let mut h = blake3::Hasher::new_derive_key("dataprep 2026 stage fingerprint v1");
        for part in [name, version, &config.to_string()] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        Fingerprint(*h.finalize().as_bytes())
    }

    /// Combines fingerprints in order (for a chain of stages).
    pub fn chain<'a>(parts: impl IntoIterator<Item = &'a Fingerprint>) -> Self {
        let mut h = blake3::Hasher::new_derive_key("dataprep 2026 chain fingerprint v1");
        for p in parts {
            h.update(&p.0);
        }
        Fingerprint(*h.finalize().as_bytes())
    }

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", &self.to_hex()[..16])
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

/// Serialises a stage config to JSON for hashing and reports (unserialisable configs give `null`).
pub fn config_json<C: serde::Serialize + ?Sized>(config: &C) -> serde_json::Value {
    serde_json::to_value(config).unwrap_or(serde_json::Value::Null)
}

/// A stateless per-record stage, run in parallel over records.
pub trait Stage: Send + Sync {
    /// The stage name: used in metrics, reasons, scores and RNG derivation.
    fn name(&self) -> &str;

    /// The stage's config as JSON.
    fn config(&self) -> serde_json::Value;

    /// Processes one record in place and says what to do with it.
    ///
    /// # Errors
    /// A [`RecordError`] sets this record aside (with its state at the failure) and the job goes
    /// on, under the pipeline's error policy.
    fn process(&self, record: &mut Record, cx: &Context) -> Result<Action, RecordError>;

    /// Version of the implementation, part of the fingerprint: the version of the crate that
    /// defines the stage, so that fingerprints change when that crate does. Required (a default
    /// here could only name dataprep-core's version): write
    /// `fn version(&self) -> &str { concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")) }` in the stage's crate.
    fn version(&self) -> &str;

    /// The fingerprint: hash of name, version and config.
    fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(self.name(), self.version(), &self.config())
    }
}

/// A stage that sees records one at a time in input order and may keep state (dedup, sampling).
pub trait StatefulStage: Send {
    /// The stage name.
    fn name(&self) -> &str;

    /// The stage's config as JSON.
    fn config(&self) -> serde_json::Value;

    /// Processes one record, in input order.
    ///
    /// # Errors
    /// A [`RecordError`] sets this record aside.
    fn process(&mut self, record: &mut Record, cx: &Context) -> Result<Action, RecordError>;

    /// Called once after the last record; may emit records held back (for example a sample).
    ///
    /// # Errors
    /// A fatal error.
    fn finish(&mut self, cx: &Context) -> Result<Vec<Record>> {
        let _ = cx;
        Ok(Vec::new())
    }

    /// Version of the implementation, part of the fingerprint: the version of the crate that
    /// defines the stage (see [`Stage::version`]).
    fn version(&self) -> &str;

    /// The fingerprint: hash of name, version and config.
    fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(self.name(), self.version(), &self.config())
    }
}

macro_rules! forward_stage {
    ($($ptr:ty),*) => {$(
        impl<T: Stage + ?Sized> Stage for $ptr {
            fn name(&self) -> &str { (**self).name() }
            fn config(&self) -> serde_json::Value { (**self).config() }
            fn process(&self, record: &mut Record, cx: &Context) -> Result<Action, RecordError> {
                (**self).process(record, cx)
            }
            fn version(&self) -> &str { (**self).version() }
        }
    )*};
}
forward_stage!(&T, Box<T>, std::sync::Arc<T>);

impl<T: StatefulStage + ?Sized> StatefulStage for Box<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn config(&self) -> serde_json::Value {
        (**self).config()
    }
    fn process(&mut self, record: &mut Record, cx: &Context) -> Result<Action, RecordError> {
        (**self).process(record, cx)
    }
    fn finish(&mut self, cx: &Context) -> Result<Vec<Record>> {
        (**self).finish(cx)
    }
    fn version(&self) -> &str {
        (**self).version()
    }
}

macro_rules! closure_stage {
    ($(#[$doc:meta])* $name:ident, $sig:ty, |$s:ident, $r:ident, $cx:ident| $body:expr) => {
        $(#[$doc])*
        pub struct $name<F> {
            name: String,
            config: serde_json::Value,
            version: String,
            f: F,
        }

        impl<F> $name<F>
        where
            F: Fn(&mut Record, &Context) -> std::result::Result<$sig, RecordError> + Send + Sync,
        {
            /// A stage named `name` with a serde config (use `()` for none) running `f`.
            /// Its version is dataprep-core's (`dataprep-core/…`) until [`Self::with_version`]
            /// sets one.
            pub fn new(name: impl Into<String>, config: impl serde::Serialize, f: F) -> Self {
                $name {
                    name: name.into(),
                    config: config_json(&config),
                    version: concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).to_owned(),
                    f,
                }
            }

            /// The version in the fingerprint. The closure's code is not part of the
            /// fingerprint: change this (for example to your crate's `CARGO_PKG_VERSION`)
            /// when the closure changes, so that cached outputs are not reused.
            #[must_use]
            pub fn with_version(mut self, version: impl Into<String>) -> Self {
                self.version = version.into();
                self
            }
        }

        impl<F> fmt::Debug for $name<F> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).field("name", &self.name).field("config", &self.config).finish()
            }
        }

        impl<F> Stage for $name<F>
        where
            F: Fn(&mut Record, &Context) -> std::result::Result<$sig, RecordError> + Send + Sync,
        {
            fn name(&self) -> &str {
                &self.name
            }
            fn config(&self) -> serde_json::Value {
                self.config.clone()
            }
            fn process(&self, $r: &mut Record, $cx: &Context) -> Result<Action, RecordError> {
                let $s = self;
                $body
            }
            fn version(&self) -> &str {
                &self.version
            }
        }
    };
}

closure_stage!(
    /// A stage that edits records in place and keeps them all.
    MapStage, (), |s, r, cx| (s.f)(r, cx).map(|()| Action::Keep)
);
closure_stage!(
    /// A stage that keeps or drops records (and may attach scores with [`Record::set_score`]).
    FilterStage, Decision, |s, r, cx| (s.f)(r, cx).map(Action::from)
);
closure_stage!(
    /// A stage that replaces each record by zero or more records (`std::mem::take(r)` moves it out).
    FlatMapStage, Vec<Record>, |s, r, cx| (s.f)(r, cx).map(Action::Replace)
);
