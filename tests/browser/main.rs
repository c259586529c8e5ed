//! Browser tests: the real app, served over a real socket, driven in Debian's Chromium
//! through chromedriver (WebDriver). They need `chromium` and `chromium-driver`; without
//! them they fail with a message saying so (they never skip).

mod harness;

mod accessibility;
mod embed;
mod interaction;
mod xss;
