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
    var delay = 1000;
    function say(text) { if (status) status.textContent = text; }
    function fragment(html) {
      var t = document.createElement("template");
      t.innerHTML = html.trim();
      return t.content.firstElementChild;
    }
    function connect() {
      var proto = location.protocol === "https:" ? "wss://" : "ws://";
      var ws = new WebSocket(proto + location.host + path);
      ws.onopen = function () { delay = 1000; };
      ws.onmessage = function (e) {
        var ev = JSON.parse(e.data);
        var old = document.getElementById("post-" + ev.post);
        if (ev.type === "post.created" && !old) {
          if (ev.page !== page) {
            say(list.getAttribute("data-more") || "New posts on the next page. Reload to read them.");
            return;
          }
          var node = fragment(ev.html);
          node.classList.add("post--new");
          list.appendChild(node);
          say("New post #" + ev.number);
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
