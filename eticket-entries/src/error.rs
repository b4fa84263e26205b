/// Everything that can go wrong with entry records and upload batches: input
/// that does not decode, a batch beyond the format's bounds, a signature that
/// does not hold, a failed random source or report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An upload batch could not be decoded, or is not valid.
    #[error("upload batch: {0}")]
    Batch(&'static str),
    /// An upload batch is larger than the format allows.
    #[error("upload batch too large: {len} {unit}, the maximum is {max}")]
    BatchTooLarge {
        /// The size found.
        len: usize,
        /// The maximum.
        max: usize,
        /// Bytes or records.
        unit: &'static str,
    },
    /// A stored entry record does not decode (a corrupt or foreign value).
    #[error("entry record does not decode: {0}")]
    CorruptRecord(String),
    /// The system random source failed.
    #[error("random source failed: {0}")]
    Random(String),
    /// Writing a report (CSV, JSON, SVG) failed.
    #[error("report: {0}")]
    Report(String),
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
