// conflict-timeline: progressive enhancement of the timeline page.
//
// Every view already works as plain links and GET forms. This script adds, when it runs:
// dragging across the overview strip (mouse or touch) to choose a range, wheel and pinch
// zoom centred on the pointer, keyboard control of the strip's range, a click on a mark to
// jump to its card, j/k to move between events, and in-place updates: the new view is
// fetched as HTML, its parts swapped in, the URL pushed to history (Back, Forward and reload
// restore it) and the new count announced through the live region.
(function () {
  "use strict";

  var DAY = 86400000;

  function isoToDays(iso) {
    return Math.round(Date.parse(iso + "T00:00:00Z") / DAY);
  }

  function daysToIso(days) {
    return new Date(days * DAY).toISOString().slice(0, 10);
  }

  // A computed range is written the way a person would: whole years or months when long.
  function rangeValues(first, last) {
    var a = daysToIso(first), b = daysToIso(last);
    var span = last - first + 1;
    if (span >= 3 * 365) return [a.slice(0, 4), b.slice(0, 4)];
    if (span >= 90) return [a.slice(0, 7), b.slice(0, 7)];
    return [a, b];
  }

  function viewUrl(first, last) {
    var params = new URLSearchParams(window.location.search);
    var values = rangeValues(first, last);
    params.set("from", values[0]);
    params.set("to", values[1]);
    params.delete("after");
    return "/?" + params.toString();
  }

  // ---- In-place navigation ------------------------------------------------------------

  var swapping = false;

  function swapIn(doc) {
    ["main"].forEach(function (selector) {
      var fresh = doc.querySelector(selector);
      var stale = document.querySelector(selector);
      if (fresh && stale) stale.replaceWith(fresh);
    });
    document.title = doc.title;
    setUp();
    var count = document.getElementById("result-count");
    var live = document.getElementById("live-status");
    if (count && live) live.textContent = count.textContent.trim();
  }

  function go(url, push) {
    if (swapping) return;
    swapping = true;
    document.documentElement.classList.add("is-loading");
    fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (text) {
          return { ok: response.ok || response.status === 400, text: text };
        });
      })
      .then(function (result) {
        if (!result.ok) throw new Error("status");
        var doc = new DOMParser().parseFromString(result.text, "text/html");
        if (push) history.pushState({ url: url }, "", url);
        swapIn(doc);
      })
      .catch(function () {
        window.location.assign(url);
      })
      .finally(function () {
        swapping = false;
        document.documentElement.classList.remove("is-loading");
      });
  }

  window.addEventListener("popstate", function () {
    go(window.location.pathname + window.location.search, false);
  });

  function ensureLiveRegion() {
    if (document.getElementById("live-status")) return;
    var live = document.createElement("p");
    live.id = "live-status";
    live.className = "visually-hidden";
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    document.body.appendChild(live);
  }

  // ---- The overview strip ---------------------------------------------------------------

  function setUpStrip() {
    var section = document.querySelector(".overview");
    if (!section) return;
    var strip = section.querySelector(".overview__strip");
    if (!strip) return;
    var first = isoToDays(section.dataset.first);
    var last = isoToDays(section.dataset.last);
    var dataFirst = isoToDays(section.dataset.dataFirst);
    var dataLast = isoToDays(section.dataset.dataLast);
    var span = last - first + 1;

    var selection = document.createElement("div");
    selection.className = "overview__selection";
    selection.hidden = true;
    var tip = document.createElement("div");
    tip.className = "overview__tip";
    tip.hidden = true;
    var frame = document.createElement("div");
    frame.className = "overview__frame";
    strip.parentNode.insertBefore(frame, strip);
    frame.appendChild(strip);
    frame.appendChild(selection);
    frame.appendChild(tip);

    function dayAt(clientX) {
      var box = strip.getBoundingClientRect();
      var f = Math.min(1, Math.max(0, (clientX - box.left) / box.width));
      return first + Math.floor(f * span);
    }

    function showSelection(a, b) {
      var lo = Math.min(a, b), hi = Math.max(a, b);
      selection.hidden = false;
      selection.style.left = ((lo - first) / span) * 100 + "%";
      selection.style.width = Math.max(0.3, ((hi - lo + 1) / span) * 100) + "%";
    }

    function clampRange(a, b) {
      var lo = Math.max(Math.min(a, b), dataFirst - 365 * 10);
      var hi = Math.min(Math.max(a, b), dataLast + 365 * 10);
      return [lo, Math.max(lo, hi)];
    }

    function zoomAround(day, factor) {
      var newSpan = Math.max(1, Math.round(span * factor));
      var ratio = (day - first) / span;
      var a = Math.round(day - ratio * newSpan);
      var r = clampRange(a, a + newSpan - 1);
      go(viewUrl(r[0], r[1]), true);
    }

    // Drag to choose a range (pointer events cover mouse, pen and touch).
    var dragStart = null;
    var pointers = new Map();
    var pinchStart = null;

    strip.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) return;
      pointers.set(event.pointerId, event.clientX);
      strip.setPointerCapture(event.pointerId);
      if (pointers.size === 2) {
        var xs = Array.from(pointers.values());
        pinchStart = { distance: Math.abs(xs[0] - xs[1]), centre: dayAt((xs[0] + xs[1]) / 2) };
        dragStart = null;
        selection.hidden = true;
      } else {
        // Pointer capture retargets later events to the strip: remember the mark now.
        var mark = event.target.closest && event.target.closest(".mark");
        dragStart = { day: dayAt(event.clientX), x: event.clientX, moved: false, mark: mark };
      }
    });

    strip.addEventListener("pointermove", function (event) {
      if (pointers.has(event.pointerId)) pointers.set(event.pointerId, event.clientX);
      if (dragStart) {
        if (Math.abs(event.clientX - dragStart.x) > 4) dragStart.moved = true;
        if (dragStart.moved) showSelection(dragStart.day, dayAt(event.clientX));
        return;
      }
      if (!pinchStart) showTip(event);
    });

    function endPointer(event) {
      var wasPinch = pinchStart && pointers.size === 2;
      if (wasPinch) {
        var xs = Array.from(pointers.values());
        var distance = Math.abs(xs[0] - xs[1]);
        var factor = pinchStart.distance / Math.max(1, distance);
        var centre = pinchStart.centre;
        pinchStart = null;
        pointers.clear();
        if (Math.abs(factor - 1) > 0.1) zoomAround(centre, factor);
        return;
      }
      pointers.delete(event.pointerId);
      if (!dragStart) return;
      var start = dragStart;
      dragStart = null;
      if (start.moved) {
        var r = clampRange(start.day, dayAt(event.clientX));
        go(viewUrl(r[0], r[1]), true);
      } else {
        selection.hidden = true;
        if (start.mark) jumpToCard(start.mark.getAttribute("data-slug"));
      }
    }
    strip.addEventListener("pointerup", endPointer);
    strip.addEventListener("pointercancel", function (event) {
      pointers.delete(event.pointerId);
      dragStart = null;
      pinchStart = null;
      selection.hidden = true;
    });

    // Wheel zoom centred on the pointer; one step per gesture burst.
    var wheelTimer = null, wheelTotal = 0, wheelDay = 0;
    strip.addEventListener("wheel", function (event) {
      if (event.ctrlKey === false && Math.abs(event.deltaX) > Math.abs(event.deltaY)) return;
      event.preventDefault();
      wheelTotal += event.deltaY;
      wheelDay = dayAt(event.clientX);
      clearTimeout(wheelTimer);
      wheelTimer = setTimeout(function () {
        var factor = wheelTotal < 0 ? 0.5 : 2;
        wheelTotal = 0;
        zoomAround(wheelDay, factor);
      }, 200);
    }, { passive: false });

    // Hover on a mark or bar: its date and title.
    function showTip(event) {
      var target = event.target.closest && event.target.closest(".mark, .hist-bar");
      if (!target) {
        tip.hidden = true;
        return;
      }
      var title = target.querySelector("title");
      tip.textContent = title ? title.textContent : "";
      var box = frame.getBoundingClientRect();
      tip.hidden = false;
      tip.style.left = Math.min(box.width - 16, Math.max(0, event.clientX - box.left)) + "px";
    }
    strip.addEventListener("pointerleave", function () {
      tip.hidden = true;
    });

    // Keyboard: the strip is one control. Arrows move a pending range, + and - zoom it,
    // Enter applies it, Escape drops it. The live region reads the pending range.
    strip.setAttribute("tabindex", "0");
    strip.setAttribute("role", "group");
    strip.setAttribute("aria-roledescription", "timeline range");
    strip.setAttribute(
      "aria-label",
      "Timeline overview. Left and right arrows move the range, plus and minus zoom, Enter shows it."
    );
    strip.setAttribute("aria-describedby", "overview-desc");
    var pending = null;
    strip.addEventListener("keydown", function (event) {
      var p = pending || { first: first, last: last };
      var width = p.last - p.first + 1;
      var step = Math.max(1, Math.round(width / 10));
      var handled = true;
      if (event.key === "ArrowLeft") p = { first: p.first - step, last: p.last - step };
      else if (event.key === "ArrowRight") p = { first: p.first + step, last: p.last + step };
      else if (event.key === "+" || event.key === "=") p = { first: p.first + Math.floor(width / 4), last: p.last - Math.floor(width / 4) };
      else if (event.key === "-" || event.key === "_") p = { first: p.first - Math.ceil(width / 2), last: p.last + Math.ceil(width / 2) };
      else if (event.key === "Enter" && pending) {
        var r = clampRange(pending.first, pending.last);
        pending = null;
        go(viewUrl(r[0], r[1]), true);
        event.preventDefault();
        return;
      } else if (event.key === "Escape") {
        pending = null;
        selection.hidden = true;
      } else handled = false;
      if (!handled) return;
      event.preventDefault();
      if (event.key === "Escape") return;
      if (p.last < p.first) p.last = p.first;
      pending = p;
      showSelection(Math.max(first, p.first), Math.min(last, p.last));
      var values = rangeValues(p.first, p.last);
      var live = document.getElementById("live-status");
      if (live) live.textContent = "Range " + values[0] + " to " + values[1] + ". Press Enter to show it.";
    });
  }

  // ---- Cards: jump, highlight, j/k ---------------------------------------------------------

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll("article.card"));
  }

  function highlight(card) {
    cards().forEach(function (c) {
      c.classList.remove("is-highlighted");
    });
    card.classList.add("is-highlighted");
    card.setAttribute("tabindex", "-1");
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "center", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
  }

  function jumpToCard(slug) {
    var card = document.getElementById(slug);
    if (card) highlight(card);
    else if (slug) window.location.assign("/events/" + encodeURIComponent(slug));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var list = cards();
    if (!list.length) return;
    var current = document.activeElement && document.activeElement.closest ? document.activeElement.closest("article.card") : null;
    var index = list.indexOf(current);
    if (event.key === "j" || event.key === "k") {
      var next = event.key === "j" ? index + 1 : index - 1;
      if (index === -1) next = event.key === "j" ? 0 : list.length - 1;
      next = Math.max(0, Math.min(list.length - 1, next));
      highlight(list[next]);
      event.preventDefault();
    } else if (event.key === "Enter" && current && document.activeElement === current) {
      var link = current.querySelector(".card__title a");
      if (link) link.click();
      event.preventDefault();
    }
  });

  // In-place navigation for the strip's links, the era presets, the pager and the form.
  function setUpLinks() {
    var selectors = ".overview__nav a, nav.eras a, .pager a, .active-filters a";
    Array.prototype.forEach.call(document.querySelectorAll(selectors), function (a) {
      a.addEventListener("click", function (event) {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        var url = new URL(a.href, window.location.href);
        if (url.origin !== window.location.origin || url.pathname !== "/") return;
        event.preventDefault();
        go(url.pathname + url.search, true);
      });
    });
    var form = document.querySelector("form.filter-form");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var params = new URLSearchParams();
        new FormData(form).forEach(function (value, key) {
          if (String(value).trim() !== "") params.append(key, value);
        });
        var query = params.toString();
        go(query ? "/?" + query : "/", true);
      });
    }
  }

  function setUp() {
    if (!document.querySelector(".overview, form.filter-form")) return;
    ensureLiveRegion();
    setUpStrip();
    setUpLinks();
    document.documentElement.classList.add("js");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();

// "Embed or share this view" (templates/_share.html) and "Cite this event" (_cite.html):
// copy buttons for the link, the iframe snippet and the citation. Without this script the
// buttons stay hidden and the read-only fields and the citation's text are there to select
// and copy by hand; with it, focusing a field selects all of its text.
(function () {
  var status = document.getElementById("share-status");

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  // The text of a read-only field, or of a paragraph (the citation), selected as well so
  // that the keyboard can copy it where the clipboard is refused.
  function textOf(el) {
    return "value" in el ? el.value : el.textContent;
  }

  function select(el) {
    if ("select" in el) {
      el.focus();
      el.select();
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copy(field) {
    select(field);
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(textOf(field)).then(
        function () { return true; },
        function () { return document.execCommand("copy"); }
      );
    }
    return Promise.resolve(document.execCommand("copy"));
  }

  // A citation's access date is the day the page was drawn; a page kept by a cache may be
  // older than that, so bring it up to the reader's today.
  var months = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var now = new Date();
  var pad = function (n) { return n < 10 ? "0" + n : String(n); };
  var todayIso = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  var todayWords = now.getDate() + " " + months[now.getMonth()] + " " + now.getFullYear();
  document.querySelectorAll("[data-accessed]").forEach(function (field) {
    var words = field.getAttribute("data-accessed-words");
    if (field.getAttribute("data-accessed") !== todayIso && words) {
      field.textContent = field.textContent.split("(accessed " + words + ")").join("(accessed " + todayWords + ")");
      field.setAttribute("data-accessed", todayIso);
      field.setAttribute("data-accessed-words", todayWords);
    }
  });

  document.querySelectorAll(".share__field").forEach(function (field) {
    field.addEventListener("focus", function () {
      field.select();
    });
  });

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(field).then(function (ok) {
        say(ok ? button.getAttribute("data-done") : "Select the text and copy it with your keyboard.");
      });
    });
  });
})();
