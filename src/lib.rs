//! conflict-timeline: a web explorer for the chronology of armed conflicts.
//!
//! The binary (`src/main.rs`) only parses the command line and calls into this library, so
//! that tests drive exactly what runs in production: [`web::router`] over an [`AppState`].
//!
//! Reading order: [`edtf`] (the date model), [`model`] (domain rules every layer shares),
//! [`record`] (the file-side records), the leaves [`slug`], [`place_names`], [`markdown`], [`search`] and
//! [`dataset`] (the bundled chronology), [`import`] (validated, all-or-nothing loading),
//! [`export`] (every output format), [`db`] (schema, pools, queries), [`bootstrap`] (the
//! first run), [`web`] (routes, handlers, templates), [`cli`]. Layers point one way:
//! `cli -> web -> export -> db`, `cli -> import -> db`, everything -> `edtf`, `model`,
//! `record` and the leaves.

pub mod bootstrap;
pub mod cli;
pub mod dataset;
pub mod db;
pub mod edtf;
pub mod export;
pub mod import;
pub mod markdown;
pub mod model;
pub mod place_names;
pub mod record;
pub mod search;
pub mod slug;
pub mod web;

pub use web::AppState;
