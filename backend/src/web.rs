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

/// A script or style of the app, served at its path under `frontend/`.
macro_rules! file {
    ($path:literal, $type:literal) => {
        Asset {
            path: concat!("/", $path),
            content_type: $type,
            body: include_str!(concat!("../../frontend/", $path)),
        }
    };
}

/// A JavaScript module of the app (`frontend/app.js` is the entry, the rest it imports).
macro_rules! module {
    ($path:literal) => {
        file!($path, "text/javascript; charset=utf-8")
    };
}

static ASSETS: &[Asset] = &[
    Asset {
        path: "/",
        content_type: "text/html; charset=utf-8",
        body: include_str!("../../frontend/index.html"),
    },
    file!("app.css", "text/css; charset=utf-8"),
    module!("app.js"),
    module!("js/api.js"),
    module!("js/charts.js"),
    module!("js/dom.js"),
    module!("js/format.js"),
    module!("js/router.js"),
    module!("js/session.js"),
    module!("js/state.js"),
    module!("js/texts.js"),
    module!("js/views/account.js"),
    module!("js/views/admin.js"),
    module!("js/views/claims.js"),
    module!("js/views/data.js"),
    module!("js/views/editor.js"),
    module!("js/views/fiscal.js"),
    module!("js/views/home.js"),
    module!("js/views/investors.js"),
    module!("js/views/project.js"),
    module!("js/views/public.js"),
    module!("texts/en.js"),
    module!("texts/ja.js"),
    Asset {
        path: "/api/docs",
        content_type: "text/html; charset=utf-8",
        body: include_str!("../../frontend/api.html"),
    },
    file!("api-docs.js", "text/javascript; charset=utf-8"),
    file!("api-docs.css", "text/css; charset=utf-8"),
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

#[cfg(test)]
mod tests {
    use super::ASSETS;
    use std::path::Path;

    fn files_under(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            // A developer's own tools (node_modules is ignored by git) are not the app's.
            if path.file_name().is_some_and(|n| n == "node_modules") {
                continue;
            }
            if path.is_dir() {
                files_under(&path, root, out);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                out.push(format!(
                    "/{}",
                    relative.to_string_lossy().replace('\\', "/")
                ));
            }
        }
    }

    /// A module added under `frontend/` and not listed here would fail only in a browser, when
    /// its importer asks for it: every file there is served, at its own path.
    #[test]
    fn every_frontend_file_is_served() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend");
        let mut files = Vec::new();
        files_under(&root, &root, &mut files);
        let served: Vec<&str> = ASSETS.iter().map(|a| a.path).collect();
        let missing: Vec<&String> = files
            .iter()
            .filter(|f| {
                let at = match f.as_str() {
                    "/index.html" => "/",
                    "/api.html" => "/api/docs",
                    other => other,
                };
                !served.contains(&at)
            })
            .collect();
        assert!(files.len() > 15, "{files:?}");
        assert!(missing.is_empty(), "not served: {missing:?}");

        // index.html asks for every module at once (`modulepreload`), not one import level at a time.
        let index = include_str!("../../frontend/index.html");
        let unlisted: Vec<&String> = files
            .iter()
            .filter(|f| f.starts_with("/js/") || f.starts_with("/texts/"))
            .filter(|f| !index.contains(&format!("<link rel=\"modulepreload\" href=\"{f}\">")))
            .collect();
        assert!(
            unlisted.is_empty(),
            "not preloaded by index.html: {unlisted:?}"
        );
    }
}
