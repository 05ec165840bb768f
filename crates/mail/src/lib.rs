//! Email (being written).
