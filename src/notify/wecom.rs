//! WeCom (企业微信) group robot: `POST <webhook>` with a markdown message,
//! `{"msgtype": "markdown", "markdown": {"content": "..."}}`.

use super::digest::Text;
use super::http::{post_json, SendError};

/// The request body for `text`.
pub fn body(text: &Text) -> Vec<u8> {
    serde_json::json!({ "msgtype": "markdown", "markdown": { "content": text.body } }).to_string().into_bytes()
}

/// Sends `text` to the robot at `url`.
pub async fn send(client: &reqwest::Client, url: &str, text: &Text) -> Result<(), SendError> {
    post_json(client, url, body(text)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_a_markdown_message() {
        let b = body(&Text { title: "t".into(), body: "### 摘要\n- W1".into() });
        let v: serde_json::Value = serde_json::from_slice(&b).expect("json");
        assert_eq!(v["msgtype"], "markdown");
        assert_eq!(v["markdown"]["content"], "### 摘要\n- W1");
    }
}
