//! conflict-timeline: a web explorer for the chronology of armed conflicts.
//!
//! The binary (`src/main.rs`) only parses the command line and calls into this library, so
//! that tests drive exactly what runs in production: [`web::router`] over an [`AppState`].
//!
//! Reading order (the README's code tour follows it): [`edtf`] (the date model); the
//! leaves [`slug`], [`markdown`] and [`search`]; [`db`] (schema, pools, queries); [`import`]
//! (validated, all-or-nothing loading); [`web`] (routes, then its three rooms: HTTP
//! plumbing, pages, API); [`cli`].

pub mod cli;
pub mod db;
pub mod edtf;
pub mod import;
pub mod markdown;
pub mod search;
pub mod slug;
pub mod web;

pub use web::AppState;
