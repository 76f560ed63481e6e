//! What one cloud plugs into the emulator: its routes, request checks and handlers, its
//! error shape and its seed fixtures. Each `emulator/<cloud>.rs` has one `EmulatedCloud`;
//! `registry.rs` lists them.

use super::state::{Resource, World};
use super::{EmuRequest, EmuResponse, Route};

/// One emulated cloud.
pub trait EmulatedCloud: Sync {
    /// The regions the cloud serves (by the emulator's own rules).
    fn regions(&self) -> &'static [&'static str];

    /// The action a request asks for, when it is this cloud's API.
    fn route(&self, req: &EmuRequest) -> Option<Route>;

    /// Verifies the request's signature and answers it.
    fn handle(&self, w: &mut World, req: &EmuRequest, action: &str) -> EmuResponse;

    /// The region a request is for (logged with it).
    fn region_of(&self, req: &EmuRequest) -> String;

    /// How many resource ids the request names (batched describe calls name many).
    fn ids(&self, _req: &EmuRequest) -> usize {
        1
    }

    /// An error reply in the cloud's own shape.
    fn error(&self, status: u16, code: &str, message: &str) -> EmuResponse;

    /// The status and code the cloud throttles with.
    fn throttle(&self) -> (u16, &'static str);

    /// A resource's status word as the cloud shows it.
    fn status_of(&self, r: &Resource, now: f64) -> String {
        r.status_at(now)
    }

    /// The demo images and snapshots every emulator starts with.
    fn seed(&self, w: &mut World);

    /// The id of the `n`th resource made by `clone_resource`, in the cloud's id form.
    fn clone_id(&self, kind: &str, n: usize) -> String;
}
