//! `imgcopy doctor [CLOUD…] [--region R…]`: for each cloud, where its credentials come
//! from, whether they authenticate (a read call for an image that does not exist: refused
//! credentials and a missing image answer differently), whether the endpoint answers, the
//! clock's skew against the server's `Date`, and which permissions a copy needs.

use super::{context, Environment, Globals, OutputFormat};
use crate::error::{ErrorKind, Result};
use crate::model::{Cloud, Kind};
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Serialize)]
struct Check {
    cloud: Cloud,
    region: String,
    credentials: String,
    /// `ok`, `missing`, `refused` or `unknown` (the look did not get that far).
    authenticated: &'static str,
    endpoint: Option<String>,
    reachable: bool,
    /// Seconds the server's clock is ahead of this machine's (from its `Date` header).
    clock_skew_seconds: Option<i64>,
    error: Option<String>,
    permissions: &'static [&'static str],
}

impl Check {
    fn ok(&self) -> bool {
        self.authenticated == "ok"
            && self.reachable
            && self.error.is_none()
            && self.clock_skew_seconds.is_none_or(|s| s.abs() < 300)
    }
}

pub async fn run(
    g: &Globals,
    clouds: &[Cloud],
    regions: &[String],
    env: &Environment,
) -> Result<i32> {
    let settings = context::Settings::load(g, env)?;
    let file = settings.file();
    let mut checks = Vec::new();
    let chosen: Vec<Cloud> = if clouds.is_empty() {
        Cloud::all().to_vec()
    } else {
        clouds.to_vec()
    };
    for &cloud in &chosen {
        let names = cloud.driver().credential_env();
        let configured = g.sandbox
            || g.profile.is_some()
            || env.vars.contains_key(names.access_key_id)
            || crate::config::resolve_credentials(cloud, &env.vars, None, file).is_ok();
        // Unasked, a cloud nothing is configured for is left out.
        if clouds.is_empty() && !configured {
            continue;
        }
        let looked: Vec<String> = if regions.is_empty() {
            vec![cloud.driver().probe().region.to_string()]
        } else {
            regions.to_vec()
        };
        for region in looked {
            checks.push(check(&settings, cloud, &region).await?);
        }
    }
    // Nothing configured, or credentials missing or refused: 3.
    let credentials_bad = checks.is_empty()
        || checks
            .iter()
            .any(|c| c.authenticated != "ok" && c.authenticated != "unknown");
    let code = if credentials_bad {
        crate::exit::AUTH
    } else if checks.iter().all(Check::ok) {
        crate::exit::OK
    } else {
        crate::exit::FAILED
    };
    match g.output(env) {
        OutputFormat::Json | OutputFormat::Ndjson => crate::outln!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "checks": checks, "exit_code": code })
            )
            .expect("serialises")
        ),
        OutputFormat::Table => print_table(&checks),
    }
    if checks.is_empty() && !g.quiet {
        let names: Vec<&str> = Cloud::all().iter().map(|c| c.name()).collect();
        crate::errln!(
            "imgcopy: no cloud is configured: set a cloud's credentials (see `imgcopy --help` and the README), or name a cloud: `imgcopy doctor CLOUD` ({})",
            names.join(", ")
        );
    }
    Ok(code)
}

fn print_table(checks: &[Check]) {
    for c in checks {
        let mark = if c.ok() { "ok" } else { "PROBLEM" };
        crate::outln!("{} ({}): {mark}", c.cloud, c.region);
        crate::outln!("  credentials:   {} — {}", c.credentials, c.authenticated);
        crate::outln!(
            "  endpoint:      {} — {}",
            c.endpoint.as_deref().unwrap_or("-"),
            if c.reachable { "answers" } else { "no answer" }
        );
        match c.clock_skew_seconds {
            Some(s) => crate::outln!(
                "  clock:         {s:+} s against the server{}",
                if s.abs() >= 300 {
                    " (signatures fail beyond 5 minutes: fix the clock)"
                } else {
                    ""
                }
            ),
            None => crate::outln!("  clock:         the server sent no Date"),
        }
        if let Some(e) = &c.error {
            crate::outln!("  error:         {e}");
        }
        crate::outln!("  a copy needs:  {}", c.permissions.join("; "));
    }
}

async fn check(s: &context::Settings<'_>, cloud: Cloud, region: &str) -> Result<Check> {
    let (g, env) = (s.globals, s.env);
    let mut c = Check {
        cloud,
        region: region.to_string(),
        credentials: if g.sandbox {
            "the sandbox's".into()
        } else {
            crate::config::credential_source(cloud, &env.vars, g.profile.as_deref(), s.file())
        },
        authenticated: "unknown",
        endpoint: None,
        reachable: false,
        clock_skew_seconds: None,
        error: None,
        permissions: cloud.driver().probe().permissions,
    };
    let ctx = match context::build(s, &[cloud], None).await {
        Ok(ctx) => ctx,
        Err(e) if e.kind() == ErrorKind::Auth => {
            c.authenticated = "missing";
            c.error = Some(e.to_string());
            return Ok(c);
        }
        Err(e) => {
            c.error = Some(e.to_string());
            return Ok(c);
        }
    };
    // The sandbox's emulator, when it runs: doctor never looks past it.
    let ep = match &ctx.sandbox {
        Some(sb) => crate::config::Endpoint::parse(&sb.endpoint_template(), "--sandbox")?,
        None => s.endpoint(cloud, None)?,
    };
    if let Ok(url) = ep.url_for(region) {
        c.endpoint = Some(url.to_string());
        let (reachable, skew) = probe(url, g.request_timeout).await;
        c.reachable = reachable;
        c.clock_skew_seconds = skew;
    }
    let provider = ctx.providers[&cloud].clone();
    match provider
        .inspect(Kind::Image, region, cloud.driver().probe().absent_image_id)
        .await
    {
        Ok(_) => c.authenticated = "ok",
        Err(e) if e.kind() == ErrorKind::NotFound => c.authenticated = "ok",
        Err(e) if e.kind() == ErrorKind::Auth => {
            c.authenticated = "refused";
            c.error = Some(e.to_string());
        }
        Err(e) => c.error = Some(e.to_string()),
    }
    ctx.shutdown().await;
    Ok(c)
}

/// One unsigned GET of the endpoint: whether it answers at all, and the skew of its `Date`.
async fn probe(url: url::Url, timeout: Duration) -> (bool, Option<i64>) {
    let client = match reqwest::Client::builder()
        .timeout(timeout.min(Duration::from_secs(15)))
        .build()
    {
        Ok(c) => c,
        Err(_) => return (false, None),
    };
    match client.get(url).send().await {
        Ok(resp) => {
            let skew = resp
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|d| d.to_str().ok())
                .and_then(httpdate)
                .map(|server| (server - time::OffsetDateTime::now_utc()).whole_seconds());
            (true, skew)
        }
        Err(_) => (false, None),
    }
}

/// An HTTP date (`Tue, 01 Dec 2026 23:00:00 GMT`).
fn httpdate(s: &str) -> Option<time::OffsetDateTime> {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(s, fmt)
        .ok()
        .map(|t| t.assume_utc())
}

#[cfg(test)]
mod tests {
    #[test]
    fn http_dates_parse() {
        let t = super::httpdate("Tue, 01 Dec 2026 23:00:00 GMT").unwrap();
        assert_eq!(t.unix_timestamp(), 1_796_166_000);
        assert!(super::httpdate("yesterday").is_none());
    }
}
