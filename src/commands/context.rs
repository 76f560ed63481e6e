//! Builds what a run talks through: the sandbox emulator, endpoints, credentials, providers.

use super::{Environment, Globals};
use crate::config::{self, Credentials, Endpoint, Secret};
use crate::emulator::{self, EmulatorConfig};
use crate::error::{Error, ErrorKind, Result};
use crate::http::pace::Pacer;
use crate::http::{Client, ReqwestTransport, RetryPolicy};
use crate::model::Cloud;
use crate::provider::driver::Setup;
use crate::provider::Provider;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The sandbox emulator's speed: a five-minute copy takes three seconds.
const SANDBOX_SPEED: f64 = 100.0;

pub struct Context {
    pub providers: BTreeMap<Cloud, Arc<dyn Provider>>,
    pub sandbox: Option<emulator::Handle>,
    /// The endpoint override in force (recorded in the report).
    pub endpoint: Option<String>,
    pub poll_initial: Duration,
    pub poll_max: Duration,
}

impl Context {
    pub async fn shutdown(self) {
        if let Some(h) = self.sandbox {
            h.shutdown().await;
        }
    }
}

/// The endpoint for `cloud`: `--endpoint`, else the report's, else the profile's, else the default.
pub fn endpoint(
    g: &Globals,
    cloud: Cloud,
    recorded: Option<&str>,
    file: Option<&config::ConfigFile>,
) -> Result<Endpoint> {
    if let Some(e) = &g.endpoint {
        return Endpoint::parse(e, "--endpoint");
    }
    if let Some(e) = recorded {
        return Endpoint::parse(e, "--report (its endpoint)");
    }
    let profile = g.profile.as_deref().unwrap_or("default");
    if let Some(e) = file
        .and_then(|f| f.profiles.get(profile))
        .and_then(|p| p.cloud(cloud))
        .and_then(|c| c.endpoint.as_deref())
    {
        return Endpoint::parse(e, &format!("endpoint in profile `{profile}`"));
    }
    cloud.driver().endpoint()
}

/// True when requests for `cloud` go somewhere other than its public endpoint.
pub fn custom_endpoint(g: &Globals, env: &Environment, cloud: Cloud) -> Result<bool> {
    if g.sandbox || g.endpoint.is_some() {
        return Ok(true);
    }
    let file = load_config(env)?;
    let profile = g.profile.as_deref().unwrap_or("default");
    Ok(file
        .as_ref()
        .and_then(|f| f.profiles.get(profile))
        .and_then(|p| p.cloud(cloud))
        .is_some_and(|c| c.endpoint.is_some()))
}

/// The cloud's default-region setting and its name (see `config::default_region`), for
/// finding a source when `--region` is not given.
pub fn default_region(
    g: &Globals,
    env: &Environment,
    cloud: Cloud,
) -> Result<Option<(String, String)>> {
    let file = if g.sandbox { None } else { load_config(env)? };
    let profile = file
        .as_ref()
        .and_then(|f| f.profiles.get(g.profile.as_deref().unwrap_or("default")))
        .and_then(|p| p.cloud(cloud));
    Ok(config::default_region(cloud, &env.vars, profile))
}

/// The config file, read once per process (its warnings said once, as warnings: not under
/// `-q`).
pub fn load_config(env: &Environment) -> Result<Option<config::ConfigFile>> {
    env.config
        .get_or_init(|| config::load_config(&env.vars, &mut |w| tracing::warn!("{w}")))
        .clone()
}

/// Each cloud's default rate, overridden by `--rate-limit RPS` then `--rate-limit CLOUD=RPS`.
fn pacer(g: &Globals) -> Pacer {
    let mut rates: BTreeMap<Cloud, f64> = Cloud::all()
        .iter()
        .map(|&c| (c, c.driver().default_rate()))
        .collect();
    for (_, rps) in g.rate_limits.iter().filter(|(c, _)| c.is_none()) {
        rates.values_mut().for_each(|r| *r = *rps);
    }
    for (c, rps) in &g.rate_limits {
        if let Some(c) = c {
            rates.insert(*c, *rps);
        }
    }
    Pacer::new(rates)
}

/// The first pause between looks: `--poll-interval`, else 10 s (half a second in the sandbox).
fn poll_initial(g: &Globals, sandbox: bool) -> Duration {
    g.poll_interval.unwrap_or(if sandbox {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(10)
    })
}

/// Starts the sandbox when asked, resolves credentials and endpoints, and builds the providers.
pub async fn build(
    g: &Globals,
    env: &Environment,
    clouds: &[Cloud],
    recorded_endpoint: Option<&str>,
) -> Result<Context> {
    let (sandbox, endpoint_override, file) = if g.sandbox {
        let cfg = EmulatorConfig {
            speed: SANDBOX_SPEED,
            ..EmulatorConfig::default()
        };
        let h = emulator::start(cfg)
            .await
            .map_err(|e| Error::io("starting the sandbox emulator", e))?;
        if !g.quiet {
            crate::errln!(
                "imgcopy: sandbox: using the built-in emulator at {} with sandbox credentials; nothing real is copied",
                h.base_url()
            );
        }
        let t = h.endpoint_template();
        (Some(h), Some(t), None)
    } else {
        (None, None, load_config(env)?)
    };
    let mut globals = g.clone();
    if let Some(t) = &endpoint_override {
        globals.endpoint = Some(t.clone());
    }
    let mut endpoints = BTreeMap::new();
    let mut creds = BTreeMap::new();
    for &cloud in clouds {
        let ep = endpoint(&globals, cloud, recorded_endpoint, file.as_ref())?;
        let c = if sandbox.is_some() {
            Credentials {
                access_key_id: emulator::SANDBOX_ACCESS_KEY.into(),
                secret_access_key: Secret::new(emulator::SANDBOX_SECRET_KEY),
                session_token: None,
            }
        } else {
            config::resolve_credentials(cloud, &env.vars, g.profile.as_deref(), file.as_ref())?
        };
        endpoints.insert(cloud, ep);
        creds.insert(cloud, c);
    }
    let all_loopback = endpoints.values().all(|e| {
        e.url_for("region")
            .ok()
            .and_then(|u| {
                u.host_str()
                    .map(|h| h == "127.0.0.1" || h == "localhost" || h == "[::1]")
            })
            .unwrap_or(false)
    });
    let transport = ReqwestTransport::new(g.request_timeout, !all_loopback)
        .map_err(|e| Error::new(ErrorKind::Io, e.message))?;
    let client = Arc::new(
        Client::new(
            Arc::new(transport),
            RetryPolicy {
                max_attempts: g.max_attempts,
                // One poll interval: how often this run looks at the cloud anyway.
                reconcile_pause: poll_initial(g, sandbox.is_some()),
                ..RetryPolicy::default()
            },
            None,
        )
        .with_pacer(pacer(g))
        .with_max_in_flight(g.concurrency),
    );
    let mut providers: BTreeMap<Cloud, Arc<dyn Provider>> = BTreeMap::new();
    for &cloud in clouds {
        let (ep, c) = (endpoints[&cloud].clone(), creds[&cloud].clone());
        let profile = file
            .as_ref()
            .and_then(|f| f.profiles.get(g.profile.as_deref().unwrap_or("default")))
            .and_then(|p| p.cloud(cloud));
        let p = cloud.driver().build(Setup {
            client: client.clone(),
            credentials: c,
            endpoint: ep,
            concurrency: g.concurrency,
            env: &env.vars,
            profile,
            project_ids: &g.project_id,
            sandbox_project: sandbox.as_ref().map(|_| emulator::SANDBOX_PROJECT_ID),
        })?;
        providers.insert(cloud, p);
    }
    let fast = sandbox.is_some();
    Ok(Context {
        providers,
        endpoint: if fast {
            None
        } else {
            g.endpoint.clone().or(recorded_endpoint.map(str::to_string))
        },
        sandbox,
        poll_initial: poll_initial(g, fast),
        poll_max: if fast {
            Duration::from_secs(2)
        } else {
            Duration::from_secs(120).max(g.poll_interval.unwrap_or_default())
        },
    })
}
