// Live thread pages: new posts appear without a reload. Without this script the page
// is complete and a reload shows them.
(function () {
  "use strict";
  function live(list) {
    var path = list.getAttribute("data-live");
    if (!path || !window.WebSocket || list.getAttribute("data-live-on")) return;
    list.setAttribute("data-live-on", "1");
    var status = document.getElementById("live-status");
    var page = parseInt(list.getAttribute("data-page"), 10);
    var delay = 1000, dropped = false;
    function say(text) { if (status) status.textContent = text; }
    // A post arrives rendered once for every reader: its time is put in this page's
    // zone (the reader's, as the server wrote the rest of the page), keeping the
    // server's "3 Dec 2026, 09:00" and its month's name.
    var clock = null;
    try {
      var zone = list.getAttribute("data-zone");
      if (zone) clock = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    } catch (e) { clock = null; }
    function localise(node) {
      if (!clock || !node) return node;
      node.querySelectorAll("time[datetime]").forEach(function (t) {
        var at = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)([+-]\d\d):?(\d\d)$/.exec(t.getAttribute("datetime"));
        var shown = /^(\d+) (.+) (\d{4}), (\d\d):(\d\d)$/.exec(t.textContent.trim());
        if (!at || !shown) return;
        var p = {};
        clock.formatToParts(new Date(at[1] + "-" + at[2] + "-" + at[3] + "T" + at[4] + ":" + at[5] + at[6] + ":" + at[7]))
          .forEach(function (x) { p[x.type] = x.value; });
        if (p.year !== at[1] || p.month !== at[2]) return; // another month: the server's words stay
        t.textContent = parseInt(p.day, 10) + " " + shown[2] + " " + p.year + ", " + p.hour + ":" + p.minute;
      });
      return node;
    }
    function fragment(html) {
      var t = document.createElement("template");
      t.innerHTML = html.trim();
      return localise(t.content.firstElementChild);
    }
    function connect() {
      var proto = location.protocol === "https:" ? "wss://" : "ws://";
      var ws = new WebSocket(proto + location.host + path);
      ws.onopen = function () {
        // Back after a drop: what was sent meanwhile is lost, so say so (poll.js
        // fetches the polls again).
        if (dropped) document.dispatchEvent(new CustomEvent("cop:reconnected"));
        delay = 1000; dropped = false;
      };
      ws.onmessage = function (e) {
        var ev = JSON.parse(e.data);
        document.dispatchEvent(new CustomEvent("cop:frame", { detail: ev }));
        var old = document.getElementById("post-" + ev.post);
        if (ev.type === "post.created" && !old) {
          if (ev.page !== page) {
            say(list.getAttribute("data-more") || "New posts on the next page. Reload to read them.");
            return;
          }
          var node = fragment(ev.html);
          node.classList.add("post--new");
          list.appendChild(node);
          say((list.getAttribute("data-new-post") || "New post #{number}").replace("{number}", ev.number));
        } else if (ev.type === "post.edited" && old) {
          old.replaceWith(fragment(ev.html));
        } else if (ev.type === "post.deleted" && old) {
          old.classList.add("muted");
        } else if (ev.type === "post.hidden" && old) {
          old.remove(); // a moderator hid it: gone for everyone, live
        }
      };
      ws.onclose = function (e) {
        if (e.code === 4403) return;
        dropped = true;
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      };
    }
    connect();
  }
  if (window.COP) window.COP.enhance("[data-live]", live);
  else document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(live);
  });
})();
