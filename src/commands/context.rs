//! What a run talks through. `Settings` is what the flags, the environment and the config
//! file come to, read and checked once; `build` makes the transport and the providers from
//! it (and starts the sandbox when asked).

use super::sandbox::Sandbox;
use super::{Environment, Globals};
use crate::config::{self, CloudProfile, ConfigFile, Credentials, Endpoint};
use crate::error::{Error, ErrorKind, Result};
use crate::http::pace::Pacer;
use crate::http::{Client, ReqwestTransport, RetryPolicy};
use crate::model::Cloud;
use crate::provider::driver::Setup;
use crate::provider::Provider;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// A run's resolved settings: the config file (read once per process; none with
/// `--sandbox`), the profile in use and the flags that pick endpoints and credentials.
pub struct Settings<'a> {
    pub globals: &'a Globals,
    pub env: &'a Environment,
    file: Option<ConfigFile>,
}

impl<'a> Settings<'a> {
    /// Reads the config file (its warnings said once, as warnings: not under `-q`).
    pub fn load(globals: &'a Globals, env: &'a Environment) -> Result<Self> {
        let file = if globals.sandbox {
            None
        } else {
            env.config
                .get_or_init(|| config::load_config(&env.vars, &mut |w| tracing::warn!("{w}")))
                .clone()?
        };
        Ok(Settings { globals, env, file })
    }

    /// The config file, when there is one.
    pub fn file(&self) -> Option<&ConfigFile> {
        self.file.as_ref()
    }

    fn profile_name(&self) -> &str {
        self.globals.profile.as_deref().unwrap_or("default")
    }

    /// The cloud's table in the profile in use.
    pub fn profile(&self, cloud: Cloud) -> Option<&CloudProfile> {
        self.file
            .as_ref()
            .and_then(|f| f.profiles.get(self.profile_name()))
            .and_then(|p| p.cloud(cloud))
    }

    /// True when requests for `cloud` go somewhere other than its public endpoint.
    pub fn custom_endpoint(&self, cloud: Cloud) -> bool {
        self.globals.sandbox
            || self.globals.endpoint.is_some()
            || self.profile(cloud).is_some_and(|c| c.endpoint.is_some())
    }

    /// The cloud's default-region setting and its name (see `config::default_region`), for
    /// finding a source when `--region` is not given.
    pub fn default_region(&self, cloud: Cloud) -> Option<(String, String)> {
        config::default_region(cloud, &self.env.vars, self.profile(cloud))
    }

    /// The endpoint for `cloud`: `--endpoint`, else the report's, else the profile's, else
    /// the cloud's own.
    pub fn endpoint(&self, cloud: Cloud, recorded: Option<&str>) -> Result<Endpoint> {
        if let Some(e) = &self.globals.endpoint {
            return Endpoint::parse(e, "--endpoint");
        }
        if let Some(e) = recorded {
            return Endpoint::parse(e, "--report (its endpoint)");
        }
        if let Some(e) = self.profile(cloud).and_then(|c| c.endpoint.as_deref()) {
            let flag = format!("endpoint in profile `{}`", self.profile_name());
            return Endpoint::parse(e, &flag);
        }
        cloud.driver().endpoint()
    }

    /// The cloud's credentials (see `config::resolve_credentials`).
    pub fn credentials(&self, cloud: Cloud) -> Result<Credentials> {
        config::resolve_credentials(
            cloud,
            &self.env.vars,
            self.globals.profile.as_deref(),
            self.file.as_ref(),
        )
    }
}

pub struct Context {
    pub providers: BTreeMap<Cloud, Arc<dyn Provider>>,
    /// Where each cloud's credentials came from (names of places, never values).
    pub credential_source: BTreeMap<Cloud, String>,
    pub sandbox: Option<Sandbox>,
    /// The endpoint override in force (recorded in the report).
    pub endpoint: Option<String>,
    pub poll_initial: Duration,
    pub poll_max: Duration,
}

impl Context {
    pub async fn shutdown(self) {
        if let Some(s) = self.sandbox {
            s.shutdown().await;
        }
    }
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

/// One cloud's endpoint and credentials for this run.
struct Resolved {
    endpoint: Endpoint,
    credentials: Credentials,
}

/// Each cloud's endpoint and credentials: the sandbox's, or from the settings.
fn resolve(
    s: &Settings<'_>,
    sandbox: Option<&Sandbox>,
    clouds: &[Cloud],
    recorded_endpoint: Option<&str>,
) -> Result<BTreeMap<Cloud, Resolved>> {
    clouds
        .iter()
        .map(|&cloud| {
            let resolved = match sandbox {
                Some(sb) => Resolved {
                    endpoint: Endpoint::parse(&sb.endpoint_template(), "--sandbox")?,
                    credentials: sb.credentials(),
                },
                None => Resolved {
                    endpoint: s.endpoint(cloud, recorded_endpoint)?,
                    credentials: s.credentials(cloud)?,
                },
            };
            Ok((cloud, resolved))
        })
        .collect()
}

/// The HTTP client every provider shares: TLS certificates are checked unless every
/// endpoint is this machine.
fn client(g: &Globals, resolved: &BTreeMap<Cloud, Resolved>, sandbox: bool) -> Result<Client> {
    let all_loopback = resolved
        .values()
        .all(|r| config::is_loopback_endpoint(r.endpoint.template()));
    let transport = ReqwestTransport::new(g.request_timeout, !all_loopback)
        .map_err(|e| Error::new(ErrorKind::Io, e.message()))?;
    Ok(Client::new(
        Arc::new(transport),
        RetryPolicy {
            max_attempts: g.max_attempts,
            // One poll interval: how often this run looks at the cloud anyway.
            reconcile_pause: poll_initial(g, sandbox),
            ..RetryPolicy::default()
        },
        None,
    )
    .with_pacer(pacer(g))
    .with_max_in_flight(g.concurrency))
}

/// Starts the sandbox when asked, resolves credentials and endpoints, and builds the providers.
pub async fn build(
    s: &Settings<'_>,
    clouds: &[Cloud],
    recorded_endpoint: Option<&str>,
) -> Result<Context> {
    let g = s.globals;
    let sandbox = match g.sandbox {
        true => Some(Sandbox::start(g.quiet).await?),
        false => None,
    };
    let resolved = resolve(s, sandbox.as_ref(), clouds, recorded_endpoint)?;
    let credential_source: BTreeMap<Cloud, String> = clouds
        .iter()
        .map(|&c| {
            let from = match &sandbox {
                Some(_) => "the sandbox's".to_string(),
                None => config::credential_source(c, &s.env.vars, g.profile.as_deref(), s.file()),
            };
            tracing::info!("{c} credentials: {from}");
            (c, from)
        })
        .collect();
    let client = Arc::new(client(g, &resolved, sandbox.is_some())?);
    let mut providers: BTreeMap<Cloud, Arc<dyn Provider>> = BTreeMap::new();
    for (cloud, r) in resolved {
        let p = cloud.driver().build(Setup {
            client: client.clone(),
            credentials: r.credentials,
            endpoint: r.endpoint,
            concurrency: g.concurrency,
            env: &s.env.vars,
            profile: s.profile(cloud),
            project_ids: &g.project_id,
            sandbox_project: sandbox.as_ref().map(Sandbox::project),
        })?;
        providers.insert(cloud, p);
    }
    let fast = sandbox.is_some();
    Ok(Context {
        providers,
        credential_source,
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
