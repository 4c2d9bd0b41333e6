//! The accept loop: HTTP/1.1 connections served by hyper, each bounded in time and all of them in
//! number (HTTP/1.1 only: browsers speak HTTP/2 only over TLS, which the reverse proxy ends, and
//! hyper's automatic version detection reads the first bytes with no timeout at all). `axum::serve` sets no timer, so hyper's header read timeout never fired
//! and a client trickling its headers (or sending none) held its connection forever; 1,100 such
//! connections left the server unable to answer. Here a connection that has not sent a whole
//! request head within [`ConnectionLimits::header_read_timeout`] is closed (a request body that
//! goes quiet is ended by the `api` layers, `HttpConfig::body_read_timeout`), and at most [`ConnectionLimits::max_connections`] connections are served at once: the next waits
//! in the listen queue until one closes.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Bounds on what a connection may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Time a client has to send a request's line and headers, from the moment the server waits
    /// for them (also on a kept-alive connection).
    pub header_read_timeout: Duration,
    /// Connections served at once by this instance.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = accept(&listener, &permits) => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer, permit) = accepted;
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// The next connection, once a permit is free. An accept error (too many open files, a
/// connection reset before it was taken) is logged and the loop goes on after a breath.
async fn accept(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
) -> (
    tokio::net::TcpStream,
    SocketAddr,
    tokio::sync::OwnedSemaphorePermit,
) {
    let permit = match permits.clone().acquire_owned().await {
        Ok(permit) => permit,
        Err(_closed) => std::future::pending().await,
    };
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => return (stream, peer, permit),
            Err(e) => {
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
