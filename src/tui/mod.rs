//! `chingu chat`: a terminal chat client attached to a running node over the control API.
//! Everything lives in the node, so the client can be closed and reopened at any time
//! without losing anything.
//!
//! - [`app`]: the state and its update logic (pure: inputs in, API calls out);
//! - [`commands`]: the composer's slash commands (`/reply`, `/react`, `/edit`, `/delete`,
//!   `/file`, `/save`);
//! - [`view`]: drawing the state with ratatui, and [`preview`] photos' previews in it;
//! - [`input`]: keys, the line editor and control-character hygiene;
//! - [`io`]: the terminal, the API connections and the event loop.

pub mod app;
pub mod commands;
pub mod input;
pub mod io;
pub mod preview;
pub mod view;

#[cfg(test)]
mod testkit;

pub use app::{App, Effect, Input};
pub use io::{run, TuiError};
pub use view::view;
