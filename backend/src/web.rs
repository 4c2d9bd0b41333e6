//! The web frontend: static assets from `frontend/`, embedded in the binary at build time.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static str,
}

/// The app loads only its own scripts and styles; the API reference page has its script and style
/// inline, so it allows inline but still nothing from elsewhere.
const APP_POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
const INLINE_POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const ASSETS: &[Asset] = &[
    Asset {
        path: "/",
        content_type: "text/html; charset=utf-8",
        body: include_str!("../../frontend/index.html"),
    },
    Asset {
        path: "/app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../frontend/app.js"),
    },
    Asset {
        path: "/i18n.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../frontend/i18n.js"),
    },
    Asset {
        path: "/app.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../frontend/app.css"),
    },
    Asset {
        path: "/api/docs",
        content_type: "text/html; charset=utf-8",
        body: include_str!("../../frontend/api.html"),
    },
];

/// Total size of the embedded frontend assets, in bytes (reported in docs/BENCHMARKS.md).
pub fn asset_bytes() -> usize {
    ASSETS.iter().map(|a| a.body.len()).sum()
}

/// The frontend's routes, for any router state (the web layer needs none of the API's).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let mut router = Router::new();
    for asset in ASSETS {
        router = router.route(asset.path, get(move || serve(asset)));
    }
    router
}

async fn serve(asset: &'static Asset) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (
                header::CONTENT_SECURITY_POLICY,
                if asset.path == "/api/docs" {
                    INLINE_POLICY
                } else {
                    APP_POLICY
                },
            ),
        ],
        asset.body,
    )
        .into_response()
}
