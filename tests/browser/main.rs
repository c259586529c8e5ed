//! Browser tests: the real app, served over a real socket, driven in Debian's Chromium
//! through chromedriver (WebDriver). They need `chromium` and `chromium-driver`: without
//! them each test is skipped with a message saying so, except in CI (`CI=true`), where a
//! missing browser fails every one of them.

mod harness;

mod accessibility;
mod embed;
mod interaction;
mod map;
mod strip;
mod xss;
