// Polls, live. The page's own socket hands its frames over: a chat room's as
// "chat:frame" on the room element (chat.js), a thread's as "cop:frame" (forums.js).
// Counts follow each vote in place ("poll.results": counts only); a poll started or
// closed ("poll.changed"), or a socket that was down a while, fetches the list again
// as this reader sees it. A vote is sent without leaving the page. Without
// JavaScript the forms post and the page reloads.
(function () {
  "use strict";
  var holder = document.querySelector("[data-polls]");
  if (!holder) return;
  var list = holder.querySelector("[data-poll-list]");
  var status = holder.querySelector("[data-polls-status]");
  var rules = window.Intl && Intl.PluralRules
    ? new Intl.PluralRules(document.documentElement.lang || "en") : null;
  var busy = false, again = false;

  function words(source, n) {
    var one = rules ? rules.select(n) === "one" : n === 1;
    return (one ? source.dataset.one : source.dataset.many).replace("{n}", n);
  }
  function results(f) {
    var box = document.getElementById("poll-" + f.poll);
    var total = box && box.querySelector("[data-poll-total]");
    if (!total) return;
    total.textContent = words(total, f.total);
    f.choices.forEach(function (c) {
      var meter = box.querySelector('meter[data-choice="' + c.id + '"]');
      if (meter) { meter.max = Math.max(f.total, 1); meter.value = c.votes; }
      var count = box.querySelector('[data-count="' + c.id + '"]');
      if (count) count.textContent = words(total, c.votes);
    });
  }
  function refresh() {
    // One fetch at a time; a change meanwhile fetches once more after it.
    if (busy) { again = true; return Promise.resolve(); }
    busy = true;
    return fetch(holder.dataset.pollsUrl, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) return;
      return r.text().then(function (html) {
        // Keep the focus where it was when the box it sat in is redrawn.
        var focused = document.activeElement && document.activeElement.closest("[data-poll]");
        list.innerHTML = html;
        holder.hidden = false;
        if (focused) {
          var box = document.getElementById(focused.id);
          if (box) box.querySelector("button, input, h2").focus({ preventScroll: true });
        }
      });
    }).catch(function () { /* the next frame or reconnection tries again */ })
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  function frame(f) {
    if (!f) return;
    if (f.type === "poll.results") results(f);
    else if (f.type === "poll.changed") refresh();
  }
  document.addEventListener("cop:frame", function (e) { frame(e.detail); });
  document.addEventListener("cop:reconnected", function () { refresh(); });
  var room = document.querySelector("[data-chat-room]");
  if (room) {
    var missed = false;
    room.addEventListener("chat:frame", function (e) { frame(e.detail); });
    room.addEventListener("chat:close", function () { missed = true; });
    room.addEventListener("chat:open", function () {
      // Frames sent while the socket was down are lost: catch up once.
      if (missed) { missed = false; refresh(); }
    });
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("[data-poll-vote]")) return;
    e.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {
      method: "POST", credentials: "same-origin", body: new FormData(form),
      headers: { Accept: "application/json" },
    }).then(function (r) { return r.json(); }).then(function (data) {
      status.textContent = data.message;
      return refresh();
    }).catch(function () { form.submit(); });
  });
})();
