//! `imgcopy emulator`: serve the emulated cloud APIs until interrupted.

use super::EmulatorSpec;
use crate::emulator::{self, EmulatorConfig};
use crate::error::{Error, Result};

pub async fn run(spec: &EmulatorSpec) -> Result<i32> {
    if !spec.listen.ip().is_loopback() {
        return Err(Error::usage(
            "--listen",
            "the emulator only listens on loopback addresses",
        ));
    }
    if !(spec.speed > 0.0 && spec.speed.is_finite()) {
        return Err(Error::usage("--speed", "must be a positive number"));
    }
    if !(spec.copy_seconds >= 0.0 && spec.copy_seconds.is_finite()) {
        return Err(Error::usage("--copy-seconds", "must be zero or more"));
    }
    let h = emulator::start(EmulatorConfig {
        listen: spec.listen,
        access_key: spec.access_key.clone(),
        secret_key: spec.secret_key.clone(),
        speed: spec.speed,
        copy_seconds: spec.copy_seconds,
        visibility_lag: spec.visibility_lag,
    })
    .await
    // The address given cannot be used (in use, not this machine's): a usage error, exit 2.
    .map_err(|e| Error::usage("--listen", format!("cannot listen on {}: {e}", spec.listen)))?;
    crate::outln!("imgcopy emulator listening on {}", h.base_url());
    crate::outln!(
        "endpoint for imgcopy: --endpoint '{}'",
        h.endpoint_template()
    );
    // The emulator's own test credentials (not a cloud's secret): every cloud's variables.
    crate::outln!(
        "credentials it accepts: access key `{}`, secret `{}`, e.g.",
        spec.access_key,
        spec.secret_key
    );
    let mut vars = Vec::new();
    for c in crate::model::Cloud::all() {
        let d = c.driver();
        let names = d.credential_env();
        vars.push(format!("{}={}", names.access_key_id, spec.access_key));
        vars.push(format!("{}={}", names.secret_access_key, spec.secret_key));
        // Any well-formed project is served.
        if let Some(p) = d.project_env() {
            vars.push(format!("{p}=0123456789abcdef0123456789abcdef"));
        }
    }
    crate::outln!("  export {}", vars.join(" "));
    let _ = tokio::signal::ctrl_c().await;
    h.shutdown().await;
    Ok(0)
}
