//! `--sandbox`: the built-in emulator, started for one run, with its own endpoint and
//! credentials. A build without the `emulator` feature has no sandbox.

use crate::config::Credentials;
use crate::error::Result;

/// The sandbox emulator's speed: a five-minute copy takes three seconds.
#[cfg(feature = "emulator")]
const SANDBOX_SPEED: f64 = 100.0;

/// A running sandbox.
#[cfg(feature = "emulator")]
pub struct Sandbox(crate::emulator::Handle);

/// A running sandbox (none exists in a build without the emulator).
#[cfg(not(feature = "emulator"))]
pub enum Sandbox {}

#[cfg(feature = "emulator")]
impl Sandbox {
    /// Starts the emulator on a loopback port of its own.
    pub async fn start(quiet: bool) -> Result<Sandbox> {
        use crate::emulator::{self, EmulatorConfig};
        let h = emulator::start(EmulatorConfig {
            speed: SANDBOX_SPEED,
            ..EmulatorConfig::default()
        })
        .await
        .map_err(|e| crate::error::Error::io("starting the sandbox emulator", e))?;
        if !quiet {
            crate::errln!(
                "imgcopy: sandbox: using the built-in emulator at {} with sandbox credentials; nothing real is copied",
                h.base_url()
            );
        }
        Ok(Sandbox(h))
    }

    /// The endpoint template that reaches every region of the sandbox.
    pub fn endpoint_template(&self) -> String {
        self.0.endpoint_template()
    }

    /// The credentials the sandbox accepts.
    pub fn credentials(&self) -> Credentials {
        use crate::emulator::{SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY};
        Credentials {
            access_key_id: SANDBOX_ACCESS_KEY.into(),
            secret_access_key: crate::config::Secret::new(SANDBOX_SECRET_KEY),
            session_token: None,
        }
    }

    /// The project the sandbox serves every region in.
    pub fn project(&self) -> &'static str {
        crate::emulator::SANDBOX_PROJECT_ID
    }

    pub async fn shutdown(self) {
        self.0.shutdown().await;
    }
}

#[cfg(not(feature = "emulator"))]
impl Sandbox {
    pub async fn start(_quiet: bool) -> Result<Sandbox> {
        Err(crate::error::Error::usage(
            "--sandbox",
            "this imgcopy was built without the emulator (cargo feature `emulator`)",
        ))
    }

    pub fn endpoint_template(&self) -> String {
        match *self {}
    }

    pub fn credentials(&self) -> Credentials {
        match *self {}
    }

    pub fn project(&self) -> &'static str {
        match *self {}
    }

    pub async fn shutdown(self) {
        match self {}
    }
}
