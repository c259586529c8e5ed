// "Embed or share this view" (templates/_share.html): copy buttons for the link and the
// iframe snippet. Without this script the buttons stay hidden and the read-only fields are
// there to select and copy by hand; with it, focusing a field selects all of its text.
"use strict";

(function () {
  var status = document.getElementById("share-status");

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function copy(field) {
    field.focus();
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value).then(
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
      field.value = field.value.split("(accessed " + words + ")").join("(accessed " + todayWords + ")");
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
