//! One robot request: POST the JSON body, then read the robot's answer. WeCom and DingTalk
//! answer HTTP 200 with `{"errcode": N, "errmsg": "..."}`; only `errcode` 0 is a delivery.
//! Errors are reduced to a class (`http 500`, `errcode 310000`, `connect`, `timeout`): the
//! URL carries the robot's key and must not reach the delivery log.

use reqwest::header::CONTENT_TYPE;

/// A failed send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// Short class for the delivery log (no personal data, no URL).
    pub class: String,
    /// Whether trying again may help.
    pub retryable: bool,
    /// The endpoint could not be reached at all: once its retries are spent, the rest of
    /// the run skips it instead of waiting out every timeout again.
    pub unreachable: bool,
}

impl SendError {
    pub(crate) fn new(class: impl Into<String>, retryable: bool, unreachable: bool) -> SendError {
        SendError { class: class.into(), retryable, unreachable }
    }
}

/// Robot error codes that mean "too fast, try later" (WeCom 45009, DingTalk 130101) or a
/// busy server (-1).
const BUSY: [i64; 3] = [45009, 130101, -1];

fn transport(e: reqwest::Error) -> SendError {
    let e = e.without_url();
    if e.is_timeout() {
        SendError::new("timeout", true, true)
    } else if e.is_connect() {
        SendError::new("connect", true, true)
    } else {
        SendError::new("request", true, false)
    }
}

/// POSTs `body` (JSON) to `url` and checks the robot's answer.
pub async fn post_json(client: &reqwest::Client, url: &str, body: Vec<u8>) -> Result<(), SendError> {
    let resp = client
        .post(url)
        .header(CONTENT_TYPE, "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .map_err(transport)?;
    let status = resp.status();
    if !status.is_success() {
        let retry = status.is_server_error() || status.as_u16() == 429;
        return Err(SendError::new(format!("http {}", status.as_u16()), retry, false));
    }
    let bytes = resp.bytes().await.map_err(transport)?;
    let code = serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|v| v.get("errcode")?.as_i64());
    match code {
        Some(0) | None => Ok(()),
        Some(c) => Err(SendError::new(format!("errcode {c}"), BUSY.contains(&c), false)),
    }
}
