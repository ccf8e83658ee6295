// Webinar questions. The page works without this (forms post, pages reload). With it,
// the list refreshes when the server says it changed: a {"type":"qa.changed"} frame on
// the room's websocket, or a slow poll while no socket is open.
(function () {
  "use strict";
  var SLOW_POLL_MS = 45000, SETTLE_MS = 700, SPREAD_MS = 1500;
  var root = document.querySelector("[data-qa]");
  if (!root) return;
  var list = root.querySelector("[data-qa-list]");
  var status = root.querySelector("[data-qa-status]");
  var chat = document.querySelector("[data-chat-room]");
  var csrf = (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value;
  var started = Date.now(), open = 0, missed = false, stale = false;
  var timer = null, busy = false, again = false;

  // chat.js owns the room's socket and hands on the frames it does not handle.
  if (chat) {
    chat.addEventListener("chat:open", function () {
      open += 1;
      // Frames sent while no socket was open are lost: catch up once.
      if (missed || Date.now() - started > 5000) { missed = false; schedule(); }
    });
    chat.addEventListener("chat:frame", function (e) {
      if (e.detail && e.detail.type === "qa.changed") schedule();
    });
    chat.addEventListener("chat:close", function () {
      open = Math.max(0, open - 1); missed = true;
    });
  }

  // Many readers get the same frame: wait a little, at random, so they do not all
  // ask at once, and fold a burst of changes (votes) into one request.
  function schedule() {
    if (!timer) timer = setTimeout(refresh, SETTLE_MS + Math.random() * SPREAD_MS);
  }

  function refresh() {
    clearTimeout(timer); timer = null;
    if (document.hidden) { stale = true; return; }
    if (busy) { again = true; return; }
    busy = true;
    fetch(root.dataset.qaPart, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw r; return r.text(); })
      .then(apply)
      .catch(function () { missed = true; })
      .then(function () { busy = false; if (again) { again = false; schedule(); } });
  }

  // Server-rendered items (one pipeline, no templating here). Unchanged items are left
  // alone, so screen readers announce only what changed and focus stays put; the order
  // stays stable until the page reloads, so nothing jumps under a finger.
  function apply(html) {
    var fresh = document.createElement("ol");
    fresh.innerHTML = html;
    var items = Array.prototype.slice.call(fresh.children);
    var keep = {};
    items.forEach(function (li) { keep[li.id || li.className] = li; });
    Array.prototype.slice.call(list.children).forEach(function (li) {
      if (!keep[li.id || li.className]) li.remove();
    });
    items.forEach(function (li, i) {
      var old = li.id ? document.getElementById(li.id) : list.querySelector("." + li.className);
      if (!old) {
        var next = items[i + 1] && items[i + 1].id && document.getElementById(items[i + 1].id);
        list.insertBefore(li, next || null);
      } else if (signature(old) !== signature(li)) {
        var focused = old.contains(document.activeElement) && document.activeElement.closest("form");
        old.replaceWith(li);
        if (focused) {
          var button = li.querySelector('form[action="' + focused.getAttribute("action") + '"] button');
          if (button) button.focus();
        }
      }
    });
  }

  // Each response masks the CSRF token anew: that alone is no change.
  function signature(li) {
    return li.className + li.innerHTML.replace(/name="csrfmiddlewaretoken" value="[^"]*"/g, "");
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf }
    });
  }

  list.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches("[data-qa-vote]")) return;
    e.preventDefault();
    post(form.action, new FormData(form)).then(function (r) {
      if (!r.ok) throw r;
      refresh();
    }).catch(function () { form.submit(); }); // the server explains, the page reloads
  });

  var ask = root.querySelector("[data-qa-form]");
  if (ask) ask.addEventListener("submit", function (e) {
    e.preventDefault();
    post(ask.action, new FormData(ask)).then(function (r) {
      if (r.status !== 201) throw r;
      return r.json();
    }).then(function (data) {
      ask.reset();
      if (status) status.textContent = data.message || "";
      refresh();
    }).catch(function () { ask.submit(); }); // errors come back with the text typed
  });

  var link = root.querySelector("[data-qa-refresh]");
  if (link) link.hidden = true;
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && (stale || !open)) { stale = false; refresh(); }
  });
  setInterval(function () { if (!open) refresh(); }, SLOW_POLL_MS);
})();
