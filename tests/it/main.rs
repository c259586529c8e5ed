//! Integration tests: the real app on a fresh SQLite database per test, driven through its
//! router (and once over a real socket), asserting on what a reader would see.

mod harness;

mod api;
mod caching;
mod cite;
mod cli;
mod dataset_export;
mod embed;
mod event_page;
mod exports;
mod facets;
mod faults;
mod filter;
mod formats;
mod hardening;
mod import;
mod import_concurrency;
mod limits;
mod search;
mod server;
mod shutdown;
mod timeline;
