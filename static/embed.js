// The embed view (/embed) inside another site's iframe. It tells the parent page its
// height whenever that changes, so the host can size the frame to its content:
//
//   { "type": "conflict-timeline:resize", "height": <CSS pixels, integer>, "url": <this frame's address> }
//
// The height says nothing private, so it goes to any parent ("*"). Without this script
// (or without a listening host) the frame keeps the height the host gave it and scrolls.
// The strip's zoom and pan links stay in the frame; every other link opens a new tab.
"use strict";

(function () {
  document.querySelectorAll(".overview__nav a").forEach(function (a) {
    a.setAttribute("target", "_self");
  });

  if (window.parent === window) {
    return;
  }
  var last = -1;
  function post() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) {
      return;
    }
    last = height;
    window.parent.postMessage(
      { type: "conflict-timeline:resize", height: height, url: window.location.href },
      "*"
    );
  }
  if ("ResizeObserver" in window) {
    new ResizeObserver(post).observe(document.documentElement);
  } else {
    window.addEventListener("resize", post);
  }
  window.addEventListener("load", post);
  post();
})();
