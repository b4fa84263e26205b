//! Runnable scenarios live under `examples/`.
