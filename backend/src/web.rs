//! The web frontend: static assets from `frontend/`, embedded in the binary at build time.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::api::AppState;

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "/",
        content_type: "text/html; charset=utf-8",
        body: include_str!("../../frontend/index.html"),
    },
    Asset {
        path: "/api/docs",
        content_type: "text/html; charset=utf-8",
        body: include_str!("../../frontend/api.html"),
    },
];

pub fn routes() -> Router<AppState> {
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
        ],
        asset.body,
    )
        .into_response()
}
