//! Evidence files of outcome results and batches: upload, list, download. Thin handlers over
//! [`seika_service::evidence`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::AppState;
use super::error::AppResult;
use super::extract::{ApiPath, ApiQuery};
use super::session::AuthUser;
use seika_service::evidence::{self, Collection, EvidenceView};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileName {
    /// The file's name, as the uploader's computer knows it.
    pub name: String,
}

async fn attach(
    state: AppState,
    auth: AuthUser,
    (project_id, record_id): (i64, i64),
    collection: Collection,
    name: String,
    body: axum::body::Bytes,
) -> AppResult<(StatusCode, Json<EvidenceView>)> {
    let view = auth
        .run(&state.db, move |conn, actor| {
            evidence::attach(conn, actor, project_id, collection, record_id, &name, &body)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn attach_to_result(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(ids): ApiPath<(i64, i64)>,
    ApiQuery(file): ApiQuery<FileName>,
    super::extract::ApiBytes(body): super::extract::ApiBytes,
) -> AppResult<(StatusCode, Json<EvidenceView>)> {
    attach(state, auth, ids, Collection::Results, file.name, body).await
}

pub async fn attach_to_batch(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(ids): ApiPath<(i64, i64)>,
    ApiQuery(file): ApiQuery<FileName>,
    super::extract::ApiBytes(body): super::extract::ApiBytes,
) -> AppResult<(StatusCode, Json<EvidenceView>)> {
    attach(state, auth, ids, Collection::Batches, file.name, body).await
}

async fn list(
    state: AppState,
    auth: AuthUser,
    (project_id, record_id): (i64, i64),
    collection: Collection,
) -> AppResult<Json<Vec<EvidenceView>>> {
    auth.run(&state.db, move |conn, actor| {
        evidence::list(conn, actor, project_id, collection, record_id)
    })
    .await
    .map(Json)
}

pub async fn list_of_result(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(ids): ApiPath<(i64, i64)>,
) -> AppResult<Json<Vec<EvidenceView>>> {
    list(state, auth, ids, Collection::Results).await
}

pub async fn list_of_batch(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(ids): ApiPath<(i64, i64)>,
) -> AppResult<Json<Vec<EvidenceView>>> {
    list(state, auth, ids, Collection::Batches).await
}

/// The file itself, as an attachment of the type read from its bytes.
pub async fn download(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((project_id, id)): ApiPath<(i64, i64)>,
) -> AppResult<Response> {
    let (view, content) = auth
        .run(&state.db, move |conn, actor| {
            evidence::download(conn, actor, project_id, id)
        })
        .await?;
    Ok(super::download(seika_service::Download {
        file_name: view.file_name,
        media_type: view.content_type,
        bytes: content,
    }))
}
