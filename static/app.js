// conflict-timeline: progressive enhancement of the timeline page.
//
// Every view already works as plain links and GET forms. This script adds, when it runs:
// dragging the timeline strip to pan it (mouse or touch), dragging along its ruler or with
// Shift to choose a range, wheel and pinch zoom around the pointer, keyboard control of the
// strip, a mark lit with its card and a click on a mark to jump to its card, j/k to move
// between events, and in-place updates: the new view is fetched as HTML, its parts swapped
// in, the URL kept in history (Back, Forward and reload restore it) and the new count
// announced through the live region.
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

  // One fetch at a time; a view asked for meanwhile replaces any other waiting one, so the
  // page always ends on the last view asked for.
  var loading = false, queued = null;

  function swapIn(doc) {
    var fresh = doc.querySelector("main");
    var stale = document.querySelector("main");
    if (fresh && stale) stale.replaceWith(fresh);
    document.title = doc.title;
    setUp();
    var count = document.getElementById("result-count");
    var live = document.getElementById("live-status");
    if (count && live) live.textContent = count.textContent.trim();
  }

  // Shows a view in place. history_: "push" (a deliberate move: the entry is added once
  // the view has arrived), "replace" (the address changes at once: the end of a gesture
  // that already made its entry), or "none" (Back and Forward).
  function go(url, history_) {
    if (history_ === true) history_ = "push";
    if (history_ === "replace") history.replaceState({ url: url }, "", url);
    if (loading) {
      queued = { url: url, history: history_ === "push" ? "push" : "none" };
      return;
    }
    loading = true;
    document.documentElement.classList.add("is-loading");
    fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (text) {
          if (!(response.ok || response.status === 400)) throw new Error("status");
          return text;
        });
      })
      .then(function (text) {
        if (queued) return;
        if (history_ === "push") history.pushState({ url: url }, "", url);
        swapIn(new DOMParser().parseFromString(text, "text/html"));
      })
      .catch(function () {
        window.location.assign(url);
      })
      .finally(function () {
        loading = false;
        document.documentElement.classList.remove("is-loading");
        if (queued) {
          var next = queued;
          queued = null;
          go(next.url, next.history);
        }
      });
  }

  window.addEventListener("popstate", function () {
    go(window.location.pathname + window.location.search, "none");
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

  function say(text) {
    var live = document.getElementById("live-status");
    if (live) live.textContent = text;
  }

  // ---- The overview strip ---------------------------------------------------------------
  //
  // The server draws the view's marks, labels, eras and ticks inside one nested <svg>
  // (".overview__world") positioned in percentages of the strip. Moving the view moves and
  // stretches that one element (two attributes a frame, however many marks), so panning and
  // zooming redraw in the browser from what it has; when the gesture settles the address is
  // updated and the server's drawing of the exact view replaces it.

  function setUpStrip() {
    var section = document.querySelector(".overview");
    if (!section) return;
    var strip = section.querySelector(".overview__strip");
    var world = strip && strip.querySelector(".overview__world");
    var pan = world && world.querySelector(".overview__pan");
    if (!pan) return;
    var first = isoToDays(section.dataset.first);
    var last = isoToDays(section.dataset.last);
    var dataFirst = isoToDays(section.dataset.dataFirst);
    var dataLast = isoToDays(section.dataset.dataLast);
    var span = last - first + 1;
    var plotTop = Number(strip.getAttribute("data-plot-top")) || 0;
    var context = section.querySelector(".context__view");
    var contextSpan = dataLast - dataFirst + 1;
    var MAX_SPAN = contextSpan + 3660;

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

    // The view on screen: its first day (fractional while moving) and its length in days.
    var shown = { a: first, n: span };

    function clampView(a, n) {
      n = Math.min(MAX_SPAN, Math.max(1, n));
      a = Math.min(dataLast + 1 - n / 2, Math.max(dataFirst - n / 2, a));
      return { a: a, n: n };
    }

    // A pan at the scale last laid out only shifts the world (a transform: no layout); a
    // zoom lays it out again at the new scale.
    var laidOut = { a: first, n: span };
    function draw(v) {
      shown = clampView(v.a, v.n);
      if (Math.abs(shown.n - laidOut.n) > 1e-6) {
        laidOut = shown;
        pan.style.transform = "";
        world.setAttribute("x", ((first - shown.a) / shown.n) * 100 + "%");
        world.setAttribute("width", (span / shown.n) * 100 + "%");
      } else {
        pan.style.transform = "translateX(" + ((laidOut.a - shown.a) / shown.n) * box().width + "px)";
      }
      if (context) {
        context.setAttribute("x", ((shown.a - dataFirst) / contextSpan) * 100 + "%");
        context.setAttribute("width", (shown.n / contextSpan) * 100 + "%");
      }
    }

    // While the view moves past what the server drew, the marks of the uncovered range are
    // fetched from the API (at most one request at a time, 500 events, only over a view
    // drawn as marks) and drawn as plain ticks until the settled view replaces them.
    var dense = strip.classList.contains("overview__strip--dense");
    var have = { a: first, b: last + 1 }, fetching = false;
    var NS = "http://www.w3.org/2000/svg";
    function fillGaps() {
      if (dense || fetching) return;
      var a = Math.floor(shown.a), b = Math.ceil(shown.a + shown.n);
      var lo = a < have.a ? a : have.b, hi = a < have.a ? have.a - 1 : b - 1;
      if (hi < lo || (a >= have.a && b <= have.b)) return;
      fetching = true;
      var params = new URLSearchParams(window.location.search);
      params.set("from", daysToIso(lo));
      params.set("to", daysToIso(hi));
      ["after", "page", "q"].forEach(function (k) { params.delete(k); });
      fetch("/api/events?limit=500&" + params.toString())
        .then(function (r) { return r.ok ? r.json() : { events: [] }; })
        .then(function (data) {
          have = { a: Math.min(have.a, lo), b: Math.max(have.b, hi + 1) };
          var top = plotTop + 2;
          data.events.forEach(function (e) {
            if (world.querySelector(".mark[data-slug='" + CSS.escape(e.slug) + "']")) return;
            var x = ((isoToDays(e.date.earliest) - first) / span) * 100 + "%";
            var line = document.createElementNS(NS, "line");
            line.setAttribute("class", "mark mark--point mark--fetched");
            line.setAttribute("data-slug", e.slug);
            ["x1", "x2"].forEach(function (k) { line.setAttribute(k, x); });
            line.setAttribute("y1", top);
            line.setAttribute("y2", top + 10);
            pan.appendChild(line);
          });
        })
        .catch(function () {})
        .finally(function () { fetching = false; });
    }

    function shownUrl() {
      var a = Math.round(shown.a);
      return viewUrl(a, a + Math.max(1, Math.round(shown.n)) - 1);
    }

    function box() {
      return strip.getBoundingClientRect();
    }

    function dayAt(clientX) {
      var b = box();
      var f = Math.min(1, Math.max(0, (clientX - b.left) / b.width));
      return shown.a + f * shown.n;
    }

    function zoomAround(day, factor) {
      var n = shown.n * factor;
      draw({ a: day - ((day - shown.a) / shown.n) * n, n: n });
    }

    // A gesture makes one history entry: pushed at its first change, replaced as it goes
    // (at most every 200 ms), and the view fetched when it ends.
    var gesture = null;
    function moved() {
      var now = Date.now();
      if (!gesture) {
        gesture = { last: now };
        history.pushState({ url: shownUrl() }, "", shownUrl());
      } else if (now - gesture.last > 200) {
        gesture.last = now;
        history.replaceState({ url: shownUrl() }, "", shownUrl());
        fillGaps();
      }
    }
    function settle() {
      if (!gesture) return;
      gesture = null;
      go(shownUrl(), "replace");
    }

    function showSelection(a, b) {
      var lo = Math.min(a, b), hi = Math.max(a, b);
      selection.hidden = false;
      selection.style.left = ((lo - shown.a) / shown.n) * 100 + "%";
      selection.style.width = Math.max(0.3, ((hi - lo + 1) / shown.n) * 100) + "%";
    }

    // Drag pans at a fixed scale; a drag along the ruler (marks and axis) or with Shift
    // brushes a range; two fingers pinch. Pointer events cover mouse, pen and touch.
    var drag = null;
    var pointers = new Map();
    var pinch = null;

    strip.addEventListener("dragstart", function (event) {
      event.preventDefault();
    });

    strip.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) return;
      pointers.set(event.pointerId, event.clientX);
      try {
        strip.setPointerCapture(event.pointerId);
      } catch (e) {
        // Not an active pointer (a synthetic event): go on without capture.
      }
      if (pointers.size === 2) {
        var xs = Array.from(pointers.values());
        pinch = { distance: Math.max(1, Math.abs(xs[0] - xs[1])), centre: dayAt((xs[0] + xs[1]) / 2), view: shown };
        drag = null;
        selection.hidden = true;
        return;
      }
      var y = event.clientY - box().top;
      // Pointer capture retargets later events to the strip: remember the mark now.
      var mark = event.target.closest && event.target.closest(".mark-link, .era-band");
      drag = {
        x: event.clientX,
        day: dayAt(event.clientX),
        view: shown,
        brush: event.shiftKey || y >= plotTop,
        moved: false,
        mark: mark
      };
      strip.classList.toggle("is-brushing", drag.brush);
    });

    strip.addEventListener("pointermove", function (event) {
      if (pointers.has(event.pointerId)) pointers.set(event.pointerId, event.clientX);
      if (pinch && pointers.size === 2) {
        var xs = Array.from(pointers.values());
        var factor = pinch.distance / Math.max(1, Math.abs(xs[0] - xs[1]));
        var n = pinch.view.n * factor;
        draw({ a: pinch.centre - ((pinch.centre - pinch.view.a) / pinch.view.n) * n, n: n });
        moved();
        return;
      }
      if (!drag) {
        showTip(event.target, event.clientX);
        return;
      }
      if (Math.abs(event.clientX - drag.x) > 4) drag.moved = true;
      if (!drag.moved) return;
      tip.hidden = true;
      if (drag.brush) {
        showSelection(drag.day, dayAt(event.clientX));
      } else {
        strip.classList.add("is-panning");
        var days = ((event.clientX - drag.x) / box().width) * drag.view.n;
        draw({ a: drag.view.a - days, n: drag.view.n });
        moved();
      }
    });

    function endPointer(event) {
      pointers.delete(event.pointerId);
      strip.classList.remove("is-panning", "is-brushing");
      if (pinch) {
        if (pointers.size < 2) {
          pinch = null;
          settle();
        }
        return;
      }
      if (!drag) return;
      var d = drag;
      drag = null;
      if (!d.moved) {
        selection.hidden = true;
        if (d.mark && d.mark.classList.contains("mark-link")) jumpToCard(d.mark.getAttribute("data-slug"));
        else if (d.mark) go(d.mark.getAttribute("href"), "push");
        return;
      }
      if (d.brush) {
        var a = d.day, b = dayAt(event.clientX);
        draw({ a: Math.min(a, b), n: Math.abs(b - a) + 1 });
        selection.hidden = true;
        go(shownUrl(), "push");
      } else {
        settle();
      }
    }
    strip.addEventListener("pointerup", endPointer);
    strip.addEventListener("pointercancel", function (event) {
      pointers.delete(event.pointerId);
      drag = null;
      pinch = null;
      selection.hidden = true;
      settle();
    });

    // Links in the strip: with the script, a mark brings its card into view and a band
    // shows its era in place (the pointer handlers above do it for the mouse; this is the
    // keyboard's Enter and a screen reader's activation).
    strip.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a");
      if (!link) return;
      event.preventDefault();
      if (event.detail !== 0) return;
      if (link.classList.contains("mark-link")) jumpToCard(link.getAttribute("data-slug"));
      else go(link.getAttribute("href"), "push");
    });

    // Wheel and trackpad: zoom around the pointer as the wheel turns; one history entry
    // per burst, the view fetched when the wheel rests.
    var wheelTimer = null;
    strip.addEventListener("wheel", function (event) {
      if (event.ctrlKey === false && Math.abs(event.deltaX) > Math.abs(event.deltaY)) return;
      event.preventDefault();
      var delta = event.deltaMode === 1 ? event.deltaY * 33 : event.deltaY;
      zoomAround(dayAt(event.clientX), Math.exp(Math.max(-3, Math.min(3, delta * 0.002))));
      moved();
      clearTimeout(wheelTimer);
      wheelTimer = setTimeout(settle, 250);
    }, { passive: false });

    // Tooltip with the full title (or an era's name, a bar's count), for pointer and focus.
    function showTip(target, clientX) {
      var item = target && target.closest && target.closest(".mark-link, .hist-bar, .era-band");
      var lit = document.querySelector(".card.is-linked");
      var card = item && item.classList.contains("mark-link") && document.getElementById(item.getAttribute("data-slug"));
      if (lit && lit !== card) lit.classList.remove("is-linked");
      if (card) card.classList.add("is-linked");
      if (!item) {
        tip.hidden = true;
        return;
      }
      var title = item.querySelector("title");
      tip.textContent = title ? title.textContent : "";
      var b = frame.getBoundingClientRect();
      tip.hidden = false;
      tip.style.left = Math.min(b.width - 16, Math.max(0, clientX - b.left)) + "px";
    }
    strip.addEventListener("pointerleave", function () {
      tip.hidden = true;
    });
    section.tipFor = function (slug) {
      var link = strip.querySelector(".mark-link[data-slug='" + CSS.escape(slug) + "']");
      strip.querySelectorAll(".is-linked").forEach(function (el) {
        el.classList.remove("is-linked");
      });
      if (!link) {
        tip.hidden = true;
        return;
      }
      link.classList.add("is-linked");
      var mark = link.querySelector(".mark").getBoundingClientRect();
      showTip(link, mark.left + Math.min(mark.width, 2) / 2);
    };

    // Keyboard: the strip is one control (its links leave the tab order to it and to the
    // cards). Arrows pan, + and - zoom, Home and End go to either end of the chronology:
    // the strip follows at once, Enter shows the list of that range, Escape goes back.
    strip.setAttribute("tabindex", "0");
    strip.setAttribute("aria-roledescription", "timeline");
    strip.setAttribute(
      "aria-label",
      "Timeline. Arrows move it, plus and minus zoom, Home and End go to the ends, Enter shows the events of the range."
    );
    strip.setAttribute("aria-describedby", "overview-desc");
    strip.querySelectorAll("a").forEach(function (a) {
      a.setAttribute("tabindex", "-1");
    });
    var pending = false;
    strip.addEventListener("keydown", function (event) {
      var k = event.key, v = shown, step = v.n / 10;
      if (k === "ArrowLeft") draw({ a: v.a - step, n: v.n });
      else if (k === "ArrowRight") draw({ a: v.a + step, n: v.n });
      else if (k === "+" || k === "=") zoomAround(v.a + v.n / 2, 0.5);
      else if (k === "-" || k === "_") zoomAround(v.a + v.n / 2, 2);
      else if (k === "Home") draw({ a: dataFirst, n: v.n });
      else if (k === "End") draw({ a: dataLast + 1 - v.n, n: v.n });
      else if (k === "Enter" && pending) {
        pending = false;
        event.preventDefault();
        go(shownUrl(), "push");
        return;
      } else if (k === "Escape" && pending) {
        pending = false;
        draw({ a: first, n: span });
        say("Back to the range shown.");
        return;
      } else return;
      event.preventDefault();
      pending = true;
      var a = Math.round(shown.a);
      var values = rangeValues(a, a + Math.round(shown.n) - 1);
      say("Range " + values[0] + " to " + values[1] + ". Press Enter to show it.");
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

  // A card hovered or focused lights its mark in the strip, with its title beside it.
  function linkCards() {
    var section = document.querySelector(".overview");
    cards().forEach(function (card) {
      function on() {
        if (section && section.tipFor) section.tipFor(card.id);
      }
      card.addEventListener("pointerenter", on);
      card.addEventListener("focusin", on);
    });
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
        go(url.pathname + url.search, "push");
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
        go(query ? "/?" + query : "/", "push");
      });
    }
  }

  // ---- The map: a place lights its cards and marks; a drag draws a box ----------------------

  function setUpMap() {
    var svg = document.querySelector("svg.map--view");
    var form = document.querySelector("form.map__box");
    if (!svg || !form) return;
    var b = svg.getAttribute("data-bounds").split(",").map(Number);
    var vb = svg.viewBox.baseVal;
    function light(slug) {
      var lit = {};
      cards().forEach(function (c) {
        var on = slug !== null && (" " + (c.getAttribute("data-places") || "") + " ").indexOf(" " + slug + " ") >= 0;
        c.classList.toggle("is-lit", on);
        if (on) lit[c.id] = true;
      });
      Array.prototype.forEach.call(document.querySelectorAll(".overview .mark"), function (m) {
        m.classList.toggle("is-lit", !!lit[m.getAttribute("data-slug")]);
      });
    }
    Array.prototype.forEach.call(svg.querySelectorAll("a.map__place"), function (a) {
      var slug = a.getAttribute("data-place");
      a.addEventListener("pointerenter", function () { light(slug); });
      a.addEventListener("focus", function () { light(slug); });
      a.addEventListener("pointerleave", function () { light(null); });
      a.addEventListener("blur", function () { light(null); });
    });
    function at(e) {
      var p = svg.createSVGPoint();
      p.x = e.clientX;
      p.y = e.clientY;
      p = p.matrixTransform(svg.getScreenCTM().inverse());
      return [Math.max(0, Math.min(vb.width, p.x)), Math.max(0, Math.min(vb.height, p.y))];
    }
    var start = null, box = null;
    svg.addEventListener("pointerdown", function (e) {
      if (e.button !== 0 || e.target.closest("a")) return;
      start = at(e);
      box = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      box.setAttribute("class", "map__bbox map__drawing");
      svg.appendChild(box);
      svg.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    svg.addEventListener("pointermove", function (e) {
      if (!start) return;
      var p = at(e);
      box.setAttribute("x", Math.min(p[0], start[0]));
      box.setAttribute("y", Math.min(p[1], start[1]));
      box.setAttribute("width", Math.abs(p[0] - start[0]));
      box.setAttribute("height", Math.abs(p[1] - start[1]));
    });
    svg.addEventListener("pointerup", function (e) {
      if (!start) return;
      var p = at(e), s = start;
      start = null;
      if (Math.abs(p[0] - s[0]) < 4 || Math.abs(p[1] - s[1]) < 4) { box.remove(); return; }
      function lon(x) { return (b[0] + (x / vb.width) * (b[2] - b[0])).toFixed(2); }
      function lat(y) { return (b[3] - (y / vb.height) * (b[3] - b[1])).toFixed(2); }
      form.elements.bbox.value = [lon(Math.min(p[0], s[0])), lat(Math.max(p[1], s[1])), lon(Math.max(p[0], s[0])), lat(Math.min(p[1], s[1]))].join(",");
      form.requestSubmit();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, key) {
        if (String(value).trim() !== "") params.append(key, value);
      });
      go("/?" + params.toString(), "push");
    });
    Array.prototype.forEach.call(svg.querySelectorAll("a.map__place"), function (a) {
      a.addEventListener("click", function (event) {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        var url = new URL(a.getAttribute("href"), window.location.href);
        go(url.pathname + url.search, "push");
      });
    });
  }

  function setUp() {
    if (!document.querySelector(".overview, form.filter-form")) return;
    ensureLiveRegion();
    setUpStrip();
    setUpLinks();
    linkCards();
    setUpMap();
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
