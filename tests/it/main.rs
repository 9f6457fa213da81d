//! Integration tests: one binary, one module per concern (see examples-to-follow §6).

mod analysis;
mod bad_input;
mod crash;
mod demo;
mod errors;
mod evaluation;
mod formats;
mod fuzz;
mod generate;
mod hostile;
mod interop;
mod kinds;
mod models;
mod oulad;
mod privacy;
mod profile;
mod recommend;
mod refresh;
mod replay;
mod service_core;
mod sql_output;
mod sql_readonly;
mod state_kinds;
mod util;
mod warnings;
mod writer_lock;
