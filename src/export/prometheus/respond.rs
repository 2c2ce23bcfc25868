//! One request, one response: `/metrics` in the format the client asks for,
//! a pointer to it at `/`, 404 elsewhere, and 405 (with `Allow`) for any
//! method but GET and HEAD. A request's body is never read.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{ACCEPT, ALLOW, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use super::published::{Format, Published};

/// The content type of the OpenMetrics text exposition (what Prometheus asks for).
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The content type of the classic Prometheus text format (curl, promtool).
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

const PLAIN: &str = "text/plain; charset=utf-8";

/// The response to `request` (whose body, if any, stays unread).
pub fn respond<B>(request: &Request<B>, published: &Published) -> Response<Full<Bytes>> {
    let mut response = if !matches!(*request.method(), Method::GET | Method::HEAD) {
        let mut response = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and HEAD are served\n",
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        response
    } else {
        match request.uri().path() {
            "/metrics" => {
                let format = if accepts_openmetrics(request) {
                    Format::OpenMetrics
                } else {
                    Format::ClassicText
                };
                let content_type = match format {
                    Format::OpenMetrics => OPENMETRICS_CONTENT_TYPE,
                    Format::ClassicText => TEXT_CONTENT_TYPE,
                };
                with_type(StatusCode::OK, content_type, published.exposition(format))
            }
            "/" => plain(StatusCode::OK, "pipetop: metrics are at /metrics\n"),
            _ => plain(
                StatusCode::NOT_FOUND,
                "not found: metrics are at /metrics\n",
            ),
        }
    };
    if has_body(request) {
        // The body stays unread, so the connection cannot carry another request.
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

fn accepts_openmetrics<B>(request: &Request<B>) -> bool {
    request
        .headers()
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.contains("application/openmetrics-text"))
}

/// Whether the request says a body follows (which is never read).
fn has_body<B>(request: &Request<B>) -> bool {
    let headers = request.headers();
    headers.contains_key(hyper::header::TRANSFER_ENCODING)
        || headers
            .get(CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0")
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    with_type(status, PLAIN, Bytes::from_static(text.as_bytes()))
}

fn with_type(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, path: &str) -> Request<()> {
        Request::builder()
            .method(method)
            .uri(path)
            .body(())
            .unwrap()
    }

    #[test]
    fn other_methods_get_405_with_allow() {
        let published = Published::default();
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
            let response = respond(&request(method, "/metrics"), &published);
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
            assert_eq!(response.headers()[ALLOW], "GET, HEAD");
        }
    }

    #[test]
    fn metrics_come_in_the_format_asked_for() {
        let published = Published::default();
        let plain = respond(&request(Method::GET, "/metrics?x=1"), &published);
        assert_eq!(plain.status(), StatusCode::OK);
        assert_eq!(plain.headers()[CONTENT_TYPE], TEXT_CONTENT_TYPE);
        let mut asking = request(Method::GET, "/metrics");
        asking.headers_mut().insert(
            ACCEPT,
            HeaderValue::from_static("application/openmetrics-text;version=1.0.0"),
        );
        let open = respond(&asking, &published);
        assert_eq!(open.headers()[CONTENT_TYPE], OPENMETRICS_CONTENT_TYPE);
        let missing = respond(&request(Method::GET, "/nope"), &published);
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn a_request_with_a_body_closes_the_connection() {
        let mut with_body = request(Method::GET, "/metrics");
        with_body
            .headers_mut()
            .insert(CONTENT_LENGTH, HeaderValue::from_static("99999999999"));
        let response = respond(&with_body, &Published::default());
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONNECTION], "close");
    }
}
