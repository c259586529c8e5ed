//! The HTML pages: the layout, the timeline with its facets and overview, the event page,
//! the HTML error page, and how dates are shown.

pub mod about;
pub mod dates;
pub mod error_page;
pub mod event_page;
pub mod facets;
pub mod layout;
pub mod overview;
pub mod text_metrics;
pub mod timeline;
