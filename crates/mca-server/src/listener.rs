//! The listener [`crate::run`] serves on: TCP connections whose HTTP
//! parser refusals are problem documents too.
//!
//! hyper answers a request it cannot parse (a control character in a
//! header, a bad method or URI, a head too large) by itself, with an empty
//! 400/414/431, before any router or layer sees it. [`ProblemIo`]
//! recognises such an answer as it is written — an error status whose head
//! has no `Content-Type` and `Content-Length: 0`, which no route answers
//! since `error::ensure_problem` gives every error a problem body — and
//! writes the problem document for that status instead.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::error::ApiError;

/// A TCP listener whose connections are [`ProblemIo`].
pub struct ProblemListener(pub TcpListener);

/// The peer address of a connection (the connect info of the router).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

impl axum::serve::Listener for ProblemListener {
    type Io = ProblemIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (ProblemIo, SocketAddr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (
            ProblemIo {
                inner: stream,
                pending: Vec::new(),
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

impl Connected<IncomingStream<'_, ProblemListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, ProblemListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

/// A TCP stream that rewrites hyper's bodiless parse-error answers into
/// problem documents.
pub struct ProblemIo {
    inner: TcpStream,
    /// Rewritten bytes not yet written.
    pending: Vec<u8>,
}

impl ProblemIo {
    fn flush_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending.drain(..n);
        }
        Poll::Ready(Ok(()))
    }
}

/// The problem version of `bytes` if they are exactly one bodiless error
/// answer head.
fn rewrite(bytes: &[u8]) -> Option<Vec<u8>> {
    let head = std::str::from_utf8(bytes).ok()?;
    let status: u16 = head.strip_prefix("HTTP/1.")?.get(2..5)?.parse().ok()?;
    if !(400..600).contains(&status) || !head.ends_with("\r\n\r\n") || head.len() > 1024 {
        return None;
    }
    let lower = head.to_ascii_lowercase();
    let at = lower.find("\r\ncontent-length: 0\r\n")?;
    if lower.contains("\r\ncontent-type:") || lower.matches("\r\n\r\n").count() != 1 {
        return None;
    }
    let status = axum::http::StatusCode::from_u16(status).ok()?;
    let problem = serde_json::to_vec(&ApiError::for_status(status).problem()).ok()?;
    let mut out = Vec::with_capacity(bytes.len() + problem.len() + 64);
    out.extend_from_slice(&bytes[..at]);
    out.extend_from_slice(
        format!(
            "\r\ncontent-type: {}\r\ncontent-length: {}\r\n",
            crate::error::PROBLEM_JSON,
            problem.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&bytes[at + "\r\ncontent-length: 0\r\n".len()..]);
    out.extend_from_slice(&problem);
    Some(out)
}

impl AsyncRead for ProblemIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ProblemIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.flush_pending(cx))?;
        if let Some(rewritten) = rewrite(buf) {
            self.pending = rewritten;
            // Accepted now; written by this or the next poll (or flush).
            if let Poll::Ready(Err(e)) = self.flush_pending(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.flush_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.flush_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_bodiless_error_heads() {
        let hyper = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let out = String::from_utf8(rewrite(hyper).unwrap()).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.contains("content-type: application/problem+json"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(head.contains("date: x"));
        let p: crate::error::Problem = serde_json::from_str(body).unwrap();
        assert_eq!((p.status, p.code.as_str()), (400, "bad_request"));
        // A success, an answer with a type, or one with its body: untouched.
        assert!(rewrite(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(
            rewrite(b"HTTP/1.1 404 Not Found\r\ncontent-type: a/b\r\ncontent-length: 0\r\n\r\n")
                .is_none()
        );
        assert!(rewrite(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n{}").is_none());
    }
}
