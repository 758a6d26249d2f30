//! Crash-safe output files: the workspace's one implementation lives in
//! [`dataprep_core::atomic`] (temporary sibling with a unique name, fsync, rename, directory
//! fsync, cleanup on drop, stale-temp removal on resume); every writer of this crate uses it.

pub(crate) use dataprep_core::atomic::{TempFile, remove_stale_temps};
