//! HTTP plumbing shared by every route: errors, parameters, limits, caching, the response
//! cache, the data version, static assets, the middleware stack, health checks, the
//! extractor of filtered views and the listener that accepts connections.

pub mod assets;
pub mod cache_policy;
pub mod caching;
pub mod data_version;
pub mod error;
pub mod health;
pub mod limits;
pub mod middleware;
pub mod params;
pub mod response_cache;
pub mod server;
pub mod state;
pub mod view_query;
