//! Flink's REST API over HTTP: one blocking client whose every call has a
//! timeout and a retry. Flink's REST layer answers from a metrics cache and,
//! on a loaded machine, about one request in thirty times out: a call is
//! tried [`ATTEMPTS`] times before it counts as failed.

use std::time::Duration;

use serde::de::DeserializeOwned;
use ureq::Agent;

use super::FlinkError;

/// Tries per call.
pub const ATTEMPTS: u32 = 3;
/// The most one try may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(3);
/// Uploading a jar takes longer than a metrics query.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(60);
/// The pause between tries.
const RETRY_PAUSE: Duration = Duration::from_millis(200);

/// A Flink cluster's REST endpoint.
#[derive(Clone)]
pub struct Rest {
    base: String,
    agent: Agent,
    upload_agent: Agent,
}

fn agent(timeout: Duration) -> Agent {
    Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}

impl Rest {
    /// A client for the cluster at `url` (`http://host:8081`); nothing is
    /// sent yet.
    pub fn new(url: &str) -> Result<Self, FlinkError> {
        let base = url.trim_end_matches('/').to_string();
        if !base.starts_with("http://") {
            return Err(FlinkError::BadUrl(url.to_string()));
        }
        Ok(Self {
            base,
            agent: agent(TIMEOUT),
            upload_agent: agent(UPLOAD_TIMEOUT),
        })
    }

    /// The cluster's URL, as given.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// GET `path` and parse the JSON answer.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, FlinkError> {
        let body = self.call("GET", path, || self.agent.get(self.at(path)).call())?;
        self.parse(path, &body)
    }

    /// PUT a JSON body to `path`.
    pub fn put_json(&self, path: &str, body: &serde_json::Value) -> Result<String, FlinkError> {
        let text = body.to_string();
        self.call("PUT", path, || {
            self.agent
                .put(self.at(path))
                .header("Content-Type", "application/json")
                .send(text.as_str())
        })
    }

    /// POST a JSON body to `path` and parse the JSON answer.
    pub fn post_json<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, FlinkError> {
        let text = body.to_string();
        let answer = self.call("POST", path, || {
            self.upload_agent
                .post(self.at(path))
                .header("Content-Type", "application/json")
                .send(text.as_str())
        })?;
        self.parse(path, &answer)
    }

    /// DELETE `path` (an uploaded jar).
    pub fn delete(&self, path: &str) -> Result<String, FlinkError> {
        self.call("DELETE", path, || self.agent.delete(self.at(path)).call())
    }

    /// PATCH `path` with no body (cancelling a job).
    pub fn patch(&self, path: &str) -> Result<String, FlinkError> {
        self.call("PATCH", path, || {
            self.agent.patch(self.at(path)).send_empty()
        })
    }

    /// Uploads a jar as `multipart/form-data` (field `jarfile`) and parses
    /// the JSON answer.
    pub fn upload<T: DeserializeOwned>(
        &self,
        path: &str,
        file_name: &str,
        jar: &[u8],
    ) -> Result<T, FlinkError> {
        let boundary = "pipetop-jar-boundary-7d1f0c";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"jarfile\"; \
             filename=\"{file_name}\"\r\nContent-Type: application/x-java-archive\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(jar);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let answer = self.call("POST", path, || {
            self.upload_agent
                .post(self.at(path))
                .header("Content-Type", content_type.as_str())
                .send(body.as_slice())
        })?;
        self.parse(path, &answer)
    }

    fn at(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn parse<T: DeserializeOwned>(&self, path: &str, body: &str) -> Result<T, FlinkError> {
        serde_json::from_str(body).map_err(|e| FlinkError::BadAnswer {
            what: format!("{}{path}", self.base),
            error: e.to_string(),
        })
    }

    /// Sends with retries; a 2xx answer's body, or the last failure. A 4xx
    /// answer is not retried: asking again would not change it.
    fn call(
        &self,
        method: &str,
        path: &str,
        send: impl Fn() -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<String, FlinkError> {
        let mut last = None;
        for attempt in 1..=ATTEMPTS {
            if attempt > 1 {
                std::thread::sleep(RETRY_PAUSE);
            }
            match send() {
                Ok(mut response) => {
                    let status = response.status().as_u16();
                    let body = response
                        .body_mut()
                        .with_config()
                        .limit(64 * 1024 * 1024)
                        .read_to_string()
                        .unwrap_or_default();
                    if (200..300).contains(&status) {
                        return Ok(body);
                    }
                    let error = FlinkError::Status {
                        request: format!("{method} {}{path}", self.base),
                        status,
                        body: first_error(&body),
                    };
                    if (400..500).contains(&status) {
                        return Err(error);
                    }
                    last = Some(error);
                }
                Err(e) => {
                    last = Some(FlinkError::Unreachable {
                        url: self.base.clone(),
                        error: e.to_string(),
                    });
                }
            }
        }
        Err(last.expect("at least one attempt"))
    }
}

/// Flink's error answer is `{"errors": ["…", …]}`: its first line, or the
/// start of the body.
fn first_error(body: &str) -> String {
    let errors = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("errors")?.get(0)?.as_str().map(str::to_string));
    let text = errors.unwrap_or_else(|| body.to_string());
    let line = text.lines().next().unwrap_or("").trim();
    crate::format::printable(&line.chars().take(200).collect::<String>())
}
