//! The HTML pages: the layout, the timeline with its facets and overview, the event page,
//! the HTML error page, and how dates are shown.

pub mod about;
pub mod cite;
pub mod dates;
pub mod embed;
pub mod error_page;
pub mod event_page;
pub mod facets;
pub mod history;
pub mod layout;
pub mod map;
pub mod overview;
pub mod places;
pub mod share;
pub mod share_image;
pub mod text_metrics;
pub mod timeline;
