//! The HTML rendering of an error ([`ErrorInfo`]): the site's frame with a heading, the
//! message and, for a bad request, each bad parameter with what is wrong.

use askama::Template;

use crate::web::http::error::ErrorInfo;
use crate::web::http::params::ParamProblem;
use crate::web::pages::layout::Layout;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    heading: &'a str,
    message: &'a str,
    problems: &'a [ParamProblem],
}

/// The page's media type and body.
pub fn render(info: &ErrorInfo) -> (&'static str, String) {
    let page = ErrorPage {
        layout: Layout::new(format!("{} · conflict-timeline", info.title)),
        heading: &info.title,
        message: &info.message,
        problems: &info.problems,
    };
    match page.render() {
        Ok(html) => ("text/html; charset=utf-8", html),
        Err(err) => {
            tracing::error!(%err, "cannot render the error page");
            ("text/plain; charset=utf-8", info.message.clone())
        }
    }
}
