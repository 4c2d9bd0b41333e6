//! The web frontend: static assets from `frontend/`, embedded in the binary at build time.
//! Each carries an entity tag (a hash of its bytes, computed when the router is built), is answered 304 when the
//! browser already holds it (`If-None-Match`), and goes out compressed (brotli or gzip) to a
//! browser that accepts it.

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static str,
}

impl Asset {
    /// A weak entity tag over the asset's bytes: weak, because the bytes on the wire differ with
    /// the compression the browser asked for while the asset stays the same.
    fn etag(&self) -> HeaderValue {
        let hash = hex::encode(&Sha256::digest(self.body.as_bytes())[..12]);
        HeaderValue::from_str(&format!("W/\"{hash}\""))
            .unwrap_or(HeaderValue::from_static("W/\"\""))
    }
}

/// Whether `If-None-Match` names the asset's tag (weak comparison, RFC 9110 13.1.2), or is `*`.
fn not_modified(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(ours) = etag.to_str() else {
        return false;
    };
    let ours = ours.trim_start_matches("W/");
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours)
}

/// Every page, the app and the API reference alike, loads only its own scripts and styles: no
/// inline script or style, nothing from elsewhere.
const POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

static ASSETS: &[Asset] = &[
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
    Asset {
        path: "/api-docs.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../frontend/api-docs.js"),
    },
    Asset {
        path: "/api-docs.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../frontend/api-docs.css"),
    },
];

/// Total size of the embedded frontend assets, in bytes (reported in docs/BENCHMARKS.md).
pub fn asset_bytes() -> usize {
    ASSETS.iter().map(|a| a.body.len()).sum()
}

/// The frontend's routes, for any router state (the web layer needs none of the API's).
/// Compression at brotli's quality 4 (its default, 11, takes tens of milliseconds on `app.js`).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let mut router = Router::new();
    for asset in ASSETS {
        let etag = asset.etag();
        router = router.route(
            asset.path,
            get(move |headers: HeaderMap| serve(asset, etag, headers)),
        );
    }
    router.layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
}

async fn serve(asset: &'static Asset, etag: HeaderValue, headers: HeaderMap) -> Response {
    if not_modified(&headers, &etag) {
        return (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
        )
            .into_response();
    }
    (
        StatusCode::OK,
        [(header::ETAG, etag)],
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CONTENT_SECURITY_POLICY, POLICY),
        ],
        asset.body,
    )
        .into_response()
}
