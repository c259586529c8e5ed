//! The JSON API under `/api/`, its OpenAPI document and problem documents, and the
//! downloadable exports.

pub mod changes;
pub mod conflicts;
pub mod events;
pub mod exports;
pub mod histogram_api;
pub mod oembed;
pub mod openapi;
pub mod places_api;
pub mod problem;
