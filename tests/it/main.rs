//! Integration tests: the real app on a fresh SQLite database per test, driven through its
//! router (and once over a real socket), asserting on what a reader would see.

mod binary;
mod harness;

mod abandoned_work;
mod about;
mod api;
mod big_answers;
mod caching;
mod cite;
mod cli;
mod conflict_views;
mod dataset;
mod dataset_export;
mod dates;
mod deploy;
mod embed;
mod event_index;
mod event_page;
mod export_layer;
mod exports;
mod facets;
mod faults;
mod file_truth;
mod filter;
mod formats;
mod hardening;
mod history;
mod history_replay;
mod housekeeping;
mod import;
mod import_concurrency;
mod limits;
mod places;
mod read_only;
mod request_ids;
mod search;
mod server;
mod shutdown;
mod slow_clients;
mod strip;
mod timeline;
mod timelinejs_import;
