//! One extractor for every route that answers a filtered view as data (the API's events,
//! the histogram, the exports): it reads the timeline's filters and the route's own count
//! (`limit`, `buckets`), applies the route's rules on paging, and rejects the request with
//! a 400 naming every bad parameter at once. No handler parses and checks by hand.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::error::AppError;
use super::params::{ParamProblem, RawParams, TimelineParams};

/// A route's own whole-number parameter.
#[derive(Clone, Copy, Debug)]
pub struct Count {
    pub name: &'static str,
    /// When absent or empty.
    pub default: u32,
    /// The most accepted (the least is 1).
    pub max: u32,
}

/// What a route adds to the timeline's filters, and which of its paging applies.
pub trait ViewRules: Send + Sync + 'static {
    /// The route's own whole-number parameter, if it has one.
    const COUNT: Option<Count> = None;
    /// Why `page=` (the HTML search's pages) does not apply here; `None` where it does.
    const NO_PAGE: Option<&'static str>;
    /// Why `after=` (a keyset cursor) does not apply here; `None` where it does.
    const NO_AFTER: Option<&'static str>;
}

/// The view a request asks for, checked by the rules `R`.
#[derive(Debug)]
pub struct ViewQuery<R> {
    pub params: TimelineParams,
    /// The value of [`ViewRules::COUNT`] (0 for a route without one).
    pub count: u32,
    rules: PhantomData<R>,
}

impl<R: ViewRules> ViewQuery<R> {
    /// Reads and checks a query string: the filters' problems first, then the count's,
    /// then paging that does not apply.
    pub fn parse(query: Option<&str>) -> Result<Self, AppError> {
        let raw = RawParams::parse(query).map_err(|p| AppError::BadRequest(vec![p]))?;
        let mut params = TimelineParams::from_raw(&raw);
        let count = match R::COUNT {
            Some(count) => raw
                .count(count.name, count.default, count.max)
                .unwrap_or_else(|problem| {
                    params.problems.push(problem);
                    count.default
                }),
            None => 0,
        };
        if let (Some(why), Some(page)) = (R::NO_PAGE, params.page) {
            let problem = ParamProblem::new("page", &page.to_string(), why);
            params.problems.push(problem);
        }
        if let (Some(why), Some(after)) = (R::NO_AFTER, params.after) {
            let problem = ParamProblem::new("after", &after.encode(), why);
            params.problems.push(problem);
        }
        if !params.problems.is_empty() {
            return Err(AppError::BadRequest(params.problems));
        }
        Ok(ViewQuery {
            params,
            count,
            rules: PhantomData,
        })
    }
}

impl<S: Send + Sync, R: ViewRules> FromRequestParts<S> for ViewQuery<R> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        ViewQuery::parse(parts.uri.query())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exports' rules: the whole view, no paging of any kind.
    struct WholeView;

    impl ViewRules for WholeView {
        const NO_PAGE: Option<&'static str> = Some("not a page of it");
        const NO_AFTER: Option<&'static str> = Some("not a page of it");
    }

    struct Pages;

    impl ViewRules for Pages {
        const COUNT: Option<Count> = Some(Count {
            name: "limit",
            default: 50,
            max: 500,
        });
        const NO_PAGE: Option<&'static str> = Some("pages by cursor");
        const NO_AFTER: Option<&'static str> = None;
    }

    fn problems<R: ViewRules>(query: &str) -> Vec<(String, String)> {
        match ViewQuery::<R>::parse(Some(query)) {
            Ok(_) => Vec::new(),
            Err(AppError::BadRequest(problems)) => {
                problems.into_iter().map(|p| (p.field, p.message)).collect()
            }
            Err(other) => panic!("{query}: {other}"),
        }
    }

    #[test]
    fn every_problem_is_named_at_once_in_a_fixed_order() {
        let found = problems::<Pages>("from=1988-13&limit=0&page=2");
        let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["from", "limit", "page"]);
        assert_eq!(found[2].1, "pages by cursor");
    }

    #[test]
    fn the_rules_say_which_paging_applies() {
        let first = ViewQuery::<Pages>::parse(Some("limit=3")).expect("valid");
        assert_eq!(first.count, 3);
        assert_eq!(ViewQuery::<Pages>::parse(None).expect("valid").count, 50);
        assert_eq!(problems::<Pages>("page=2").len(), 1);
        let fields: Vec<String> = problems::<WholeView>("page=2")
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["page"]);
        assert!(
            problems::<WholeView>("limit=7").is_empty(),
            "not its parameter"
        );
    }

    #[test]
    fn an_overlong_query_is_one_problem() {
        let long = format!("q={}", "a".repeat(super::super::params::MAX_QUERY_BYTES));
        let found = problems::<WholeView>(&long);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "query");
    }
}
