//! Integration tests: the real app on a fresh SQLite database per test, driven through its
//! router (and once over a real socket), asserting on what a reader would see.

mod harness;

mod event_page;
mod filter;
mod import;
mod server;
mod timeline;
