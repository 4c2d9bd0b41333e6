//! Extractors whose rejections use Seika's problem+json format.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use seika_core::msg;
use serde::de::DeserializeOwned;

use super::error::{ApiError, AppError, FieldError, Thing};
use seika_core::message::Msg;

/// A JSON body: requires a JSON content type, refuses unknown fields (where the type says so),
/// and reports wrong types or missing fields as 422 naming the field.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !is_json(content_type) {
            let got = if content_type.is_empty() {
                "none"
            } else {
                content_type
            };
            return Err(AppError::UnsupportedMediaType(msg!(
                "request.not_json",
                "expected a body with content type application/json, got `{got}`",
                "application/json の本文を送ってください（送られた種類: `{got}`）"
            ))
            .into());
        }
        let bytes = body_of(req, state).await?;
        Ok(ApiJson(parse_json(&bytes)?))
    }
}

/// A raw body (a file upload): over the endpoint's limit a 413 problem, a body that stopped
/// arriving a 400 problem; never axum's plain-text rejection.
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Ok(ApiBytes(body_of(req, state).await?))
    }
}

/// The request's whole body, within the endpoint's limit. A declared length over the limit is
/// refused before anything is read; a declared length within it is the buffer's size, so the
/// body is held once (not its pieces and then their copy: a 64 MiB import would peak at 128).
async fn body_of<S: Send + Sync>(req: Request, _: &S) -> Result<Bytes, AppError> {
    use axum::RequestExt as _;
    use http_body_util::BodyExt as _;
    let too_large = || {
        AppError::PayloadTooLarge(msg!(
            "request.too_large",
            "the request body is larger than this endpoint accepts",
            "送信されたデータがこの API の上限を超えています"
        ))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut body = req.into_limited_body();
    let limit = axum::body::HttpBody::size_hint(&body).upper();
    if let (Some(declared), Some(limit)) = (declared, limit)
        && declared > limit
    {
        return Err(too_large());
    }
    let capacity = declared.unwrap_or(0).min(limit.unwrap_or(0));
    let mut buffer = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            if over_limit(&e) {
                too_large()
            } else {
                AppError::BadRequest(msg!(
                    "request.unreadable",
                    "the request body could not be read: {e}",
                    "送信されたデータを読み取れませんでした: {e}"
                ))
            }
        })?;
        if let Ok(data) = frame.into_data() {
            buffer.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(buffer))
}

/// Whether a body error is the endpoint's size limit (anywhere in its chain of causes).
fn over_limit(error: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The body of a request that takes none (an action such as submit or run): read to its end, so
/// that the connection can carry the next request, and refused unless it is blank or `{}`, since
/// anything sent here would be ignored.
pub struct NoBody;

impl<S: Send + Sync> FromRequest<S> for NoBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = body_of(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(NoBody);
        }
        let fields: serde_json::Map<String, serde_json::Value> = parse_json(&bytes)?;
        match fields.keys().next() {
            None => Ok(NoBody),
            Some(field) => Err(AppError::validation(
                field.clone(),
                msg!(
                    "body.none",
                    "no field: this action takes no body, or an empty object {{}}",
                    "項目なし（この操作は本文なし、または空のオブジェクト {{}} のみを受け付けます）"
                ),
            )
            .into()),
        }
    }
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses JSON: syntax errors are 400; wrong types, missing and unknown fields are 422 with the
/// failing field's path. (Parsing to a `Value` first keeps the two apart: serde_json reports some
/// type errors, such as a number where an enum is expected, as syntax errors.)
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        AppError::BadRequest(msg!(
            "json.malformed",
            "malformed JSON: {e}",
            "JSON として読めません: {e}"
        ))
    })?;
    if let Some(path) = seika_formats::input::first_float(&value, String::new()) {
        return Err(AppError::validation(
            path,
            msg!(
                "json.float",
                "a decimal string such as \"0.329\", not a fractional JSON number (floats are inexact)",
                "\"0.329\" のような文字列の数値（小数の JSON 数値は不正確なため使えません）"
            ),
        ));
    }
    if let Some((path, message)) = seika_core::text::first_forbidden_in_json(&value, "") {
        return Err(AppError::validation(path, message));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        AppError::Validation(vec![field_error(&path, &e.into_inner())])
    })
}

/// Turns serde's message into a field and an expectation, naming missing and unknown fields.
fn field_error(path: &str, error: &serde_json::Error) -> FieldError {
    let full = error.to_string();
    let message = match full.rfind(" at line ") {
        Some(at) => &full[..at],
        None => full.as_str(),
    };
    let base = if path == "." { "" } else { path };
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    let field = match named {
        // serde_path_to_error already ends the path with an unknown field's name.
        Some(name) if base == name || base.ends_with(&format!(".{name}")) => base.to_owned(),
        Some(name) if base.is_empty() => name.to_owned(),
        Some(name) => format!("{base}.{name}"),
        None => base.to_owned(),
    };
    FieldError::new(field, Msg::from_serde(message))
}

/// The `If-Match` header as a version number, if given (`"3"` or `W/"3"` or `3`).
pub struct IfMatch(pub Option<i32>);

impl IfMatch {
    /// The version, or 428 asking for the ETag of `what` (updates never overwrite blindly).
    pub fn required(self, what: Thing) -> Result<i32, AppError> {
        self.0.ok_or_else(|| {
            let (en, ja) = what.names();
            AppError::PreconditionRequired(msg!(
                "header.if_match_missing",
                "send If-Match with the ETag of the {en}",
                "{ja}の ETag を If-Match ヘッダーで送ってください"
            ))
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(raw) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = raw.to_str().unwrap_or("");
        let trimmed = text.trim().trim_start_matches("W/").trim_matches('"');
        trimmed
            .parse()
            .map(|v| IfMatch(Some(v)))
            .map_err(|_| {
                AppError::validation(
                    "If-Match",
                    msg!(
                        "header.if_match",
                        "expected the ETag from a previous response such as \"3\", got `{text}`",
                        "前の応答の ETag（\"3\" など）。`{text}` ではありません"
                    ),
                )
            })
            .map_err(ApiError)
    }
}

/// The client's IP address, for login throttling: the TCP peer, or, when the peer is one of the
/// configured trusted proxies, the right-most address in `X-Forwarded-For` that is not itself a
/// trusted proxy ("unknown" when not served over TCP, as in in-process tests).
pub struct ClientAddr(pub String);

impl FromRequestParts<super::AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &super::AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        let client = client_address(peer, &forwarded, &state.config.trusted_proxies);
        Ok(ClientAddr(
            client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        ))
    }
}

/// The client behind `peer`: `X-Forwarded-For` is read right to left, and only while each hop is
/// a trusted proxy; a header sent by an untrusted peer is ignored (anyone can write it).
pub fn client_address(
    peer: Option<std::net::IpAddr>,
    forwarded_for: &str,
    trusted: &[ipnet::IpNet],
) -> Option<std::net::IpAddr> {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer?;
    if !is_trusted(&client) {
        return Some(client);
    }
    for hop in forwarded_for
        .rsplit(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        let Ok(ip) = hop.parse::<std::net::IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    Some(client)
}

/// Query parameters whose rejections are 422 problems.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(parts.uri.query().unwrap_or("")).unwrap_or_default();
        for (name, value) in &pairs {
            if let Some((c, what)) = seika_core::text::forbidden_char(name)
                .or_else(|| seika_core::text::forbidden_char(value))
            {
                return Err(
                    AppError::validation(name.clone(), seika_core::text::refusal(c, what)).into(),
                );
            }
        }
        let query = parts.uri.query().unwrap_or("");
        let parameters =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(parameters)
            .map(ApiQuery)
            .map_err(|e| {
                let message = e.inner().to_string();
                // An unknown parameter is named by the message; a bad value by its path.
                let field = message
                    .strip_prefix("unknown field `")
                    .and_then(|rest| rest.split('`').next())
                    .map(str::to_owned)
                    .or_else(|| Some(e.path().to_string()).filter(|p| p != "."))
                    .unwrap_or_else(|| "query".to_owned());
                ApiError(AppError::validation(field, Msg::from_serde(&message)))
            })
    }
}

/// Path parameters whose rejections are problems: an id that is not a positive 64-bit integer is
/// a 400 naming the parameter, never a plain-text echo of the input.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|rejection| {
                use axum::extract::path::ErrorKind;
                use axum::extract::rejection::PathRejection;
                let (field, message) = match &rejection {
                    PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                        ErrorKind::ParseErrorAtKey { key, .. }
                        | ErrorKind::InvalidUtf8InPathParam { key } => (key.clone(), record_id()),
                        ErrorKind::ParseErrorAtIndex { index, .. } => {
                            (format!("path segment {}", index + 1), record_id())
                        }
                        _ => ("path".to_owned(), no_such_path()),
                    },
                    _ => ("path".to_owned(), no_such_path()),
                };
                AppError::BadRequestField { field, message }
            })
            .map_err(ApiError)
    }
}

/// A NUL character (`%00`) in the path is refused before any handler: no name, code or id holds
/// one, and PostgreSQL refuses it in text (a public project code with one answered 500). Query
/// parameters are checked by [`ApiQuery`], which names the parameter.
pub async fn refuse_nul(
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if !request.uri().path().to_ascii_lowercase().contains("%00") {
        return next.run(request).await;
    }
    let message = msg!(
        "request.nul",
        "an address without a NUL character (%00)",
        "NUL 文字（%00）を含まないアドレス"
    );
    ApiError(AppError::BadRequestField {
        field: "path".to_owned(),
        message,
    })
    .into_response()
}

fn record_id() -> Msg {
    msg!(
        "path.record_id",
        "a record id: a whole number from 1 to 9223372036854775807",
        "記録の番号（1 から 9223372036854775807 までの整数）"
    )
}

fn no_such_path() -> Msg {
    msg!("path.unknown", "a path of this endpoint", "この API のパス")
}

/// A tabular upload: `text/csv` or an XLSX workbook, whose bytes must be what the declared type
/// says (the content decides, never a name).
pub fn expect_table(content_type: &str, body: &[u8]) -> Result<(), ApiError> {
    use seika_formats::sheet::{XLSX_MEDIA_TYPE, is_xlsx};
    let declared = content_type.split(';').next().unwrap_or("").trim();
    match declared {
        "text/csv" if !body.starts_with(b"PK\x03\x04") => Ok(()),
        XLSX_MEDIA_TYPE if is_xlsx(body) => Ok(()),
        "text/csv" | XLSX_MEDIA_TYPE => Err(AppError::validation(
            "body",
            msg!(
                "upload.content_mismatch",
                "a file whose content is {declared}, as the Content-Type says",
                "Content-Type のとおり {declared} の内容のファイル"
            ),
        )
        .into()),
        _ => Err(AppError::UnsupportedMediaType(msg!(
            "request.not_table",
            "expected text/csv or {XLSX_MEDIA_TYPE}, got `{content_type}`",
            "CSV（text/csv）か XLSX（{XLSX_MEDIA_TYPE}）を送ってください（送られた種類: `{content_type}`）"
        ))
        .into()),
    }
}
