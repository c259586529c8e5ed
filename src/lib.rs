//! conflict-timeline: a web explorer for the chronology of armed conflicts.
//!
//! The binary (`src/main.rs`) only parses the command line and calls into this library, so
//! that tests drive exactly what runs in production: [`web::router`] over an [`AppState`].
//!
//! Reading order: [`edtf`] (the date model), [`db`] (schema, pools, queries), [`import`]
//! (validated, all-or-nothing loading), [`web`] (routes, handlers, templates), [`cli`].

pub mod bootstrap;
pub mod cli;
pub mod db;
pub mod edtf;
pub mod export;
pub mod import;
pub mod markdown;
pub mod model;
pub mod record;
pub mod search;
pub mod slug;
pub mod web;

pub use web::AppState;
