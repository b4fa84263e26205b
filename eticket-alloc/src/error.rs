//! The one error type of this crate.

use eticket_core::ids::{BlockId, DistributorId, SeatType};

/// Where in a seat-map file something is wrong: 1-based line and column, and
/// the field path (e.g. `blocks[2].rows[5]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLocation {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
    /// The field, as a path from the document root; empty when unknown.
    pub field: String,
}

impl core::fmt::Display for FileLocation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, " ({})", self.field)?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in seat maps, selections, allotments and
/// best-available requests.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AllocError {
    /// A seat-map file could not be read: syntax, type or meaning, with where.
    #[error("seat map file, {at}: {message}")]
    File {
        /// Where.
        at: FileLocation,
        /// What was wrong.
        message: String,
    },
    /// A seat map (from any source) breaks a rule of the model.
    #[error("seat map: {field}: {reason}")]
    InvalidMap {
        /// The field or item concerned.
        field: String,
        /// What was wrong.
        reason: String,
    },
    /// A seat, row or block the map does not have.
    #[error("no such place in the seat map: {0}")]
    UnknownPlace(String),
    /// A seat type the map does not define.
    #[error("seat type {0} is not defined by the seat map")]
    UnknownSeatType(SeatType),
    /// A block the map does not have.
    #[error("block {0} is not in the seat map")]
    UnknownBlock(BlockId),
    /// Assigning would put a seat into a second allotment.
    #[error("{count} seat(s) already belong to distributor {owner}, e.g. {example}")]
    AlreadyAllotted {
        /// The distributor that holds them.
        owner: DistributorId,
        /// How many of the selected seats are affected.
        count: usize,
        /// One of them, as "block/row/number".
        example: String,
    },
    /// Ratios that cannot be used.
    #[error("invalid ratios: {0}")]
    InvalidRatios(String),
    /// A request (a best-available search, a selection, an allotment) that
    /// cannot be served as asked.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// No seats match the request.
    #[error("no {count} available seat(s) of type {seat_type} match the request")]
    NoSeats {
        /// Seats asked for.
        count: u16,
        /// Seat type asked for.
        seat_type: SeatType,
    },
    /// A JSON document (the exchange form of the cell model) was invalid.
    #[error("JSON, line {line}, column {column}{}: {message}", in_field(.field))]
    Json {
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
        /// The field, as a path from the document root (e.g.
        /// `blocks[2].geometry.radius`); empty when unknown.
        field: String,
        /// What was wrong.
        message: String,
    },
}

fn in_field(field: &str) -> String {
    if field.is_empty() || field == "." {
        String::new()
    } else {
        format!(" ({field})")
    }
}

impl From<serde_json::Error> for AllocError {
    fn from(e: serde_json::Error) -> Self {
        AllocError::Json {
            line: e.line(),
            column: e.column(),
            field: String::new(),
            message: e.to_string(),
        }
    }
}

impl From<serde_path_to_error::Error<serde_json::Error>> for AllocError {
    fn from(e: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let field = e.path().to_string();
        let inner = e.into_inner();
        AllocError::Json {
            line: inner.line(),
            column: inner.column(),
            field: if field == "." { String::new() } else { field },
            message: inner.to_string(),
        }
    }
}

/// Result with [`AllocError`].
pub type Result<T, E = AllocError> = core::result::Result<T, E>;
