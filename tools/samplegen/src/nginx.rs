//! nginx 1.22: the combined access log and the error log.

use crate::time::{self, Us};
use crate::traffic::{Population, Request, push_u32};

/// A combined-format access line, logged at `t_end` (true time) on a host
/// whose clock is `offset` off and whose zone is `tz_min` east of UTC.
pub fn push_access(
    b: &mut Vec<u8>,
    req: &Request,
    pop: &Population,
    t_end: Us,
    tz_min: i32,
    (status, body): (u16, u32),
    domain: &str,
) {
    let c = &pop.clients[req.client as usize];
    b.extend_from_slice(c.ip.as_bytes());
    b.extend_from_slice(b" - - [");
    time::push_nginx_local(b, t_end, tz_min);
    b.extend_from_slice(b"] \"");
    b.extend_from_slice(req.tpl().method.as_bytes());
    b.push(b' ');
    req.push_path(b);
    b.extend_from_slice(b" HTTP/1.1\" ");
    push_u32(b, u32::from(status));
    b.push(b' ');
    push_u32(b, body);
    if req.class() == crate::traffic::Class::Static {
        b.extend_from_slice(b" \"https://console.");
        b.extend_from_slice(domain.as_bytes());
        b.extend_from_slice(b"/dashboard\" \"");
    } else {
        b.extend_from_slice(b" \"-\" \"");
    }
    b.extend_from_slice(c.ua.as_bytes());
    b.push(b'"');
}

/// "2024/04/04 22:01:07 [error] 29#29: *1234 msg" (local time, no zone).
pub fn error(t_local: Us, level: &str, pid: u32, conn: Option<u64>, msg: &str) -> String {
    match conn {
        Some(c) => format!(
            "{} [{level}] {pid}#{pid}: *{c} {msg}",
            time::nginx_error(t_local)
        ),
        None => format!(
            "{} [{level}] {pid}#{pid}: {msg}",
            time::nginx_error(t_local)
        ),
    }
}

/// The request context nginx appends to upstream errors.
pub fn ctx(client: &str, server: &str, req_line: &str, upstream: &str, host: &str) -> String {
    format!(
        ", client: {client}, server: {server}, request: \"{req_line}\", upstream: \"{upstream}\", host: \"{host}\""
    )
}
