// Offline: the service worker, "Keep for offline", and the outbox (community.offline).
// Pages work without it; with it, what was written without a network waits on the
// phone and goes when the network is back, once, under its client_id.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.localStorage) return;
  var conf = script.dataset;
  var T = JSON.parse(conf.strings || "{}");
  var KEPT = "cop-kept", PAGES = "cop-pages", BOX = "cop-outbox";
  var CAP = Number(conf.capMb) * 1024 * 1024;
  var shell = !!document.querySelector("[data-offline-shell]");
  // The offline page is drawn for a visitor: the reader is the last one seen online.
  var reader = shell ? localStorage.getItem("cop-reader") || "" : conf.member;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0;
      return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
    });
  }
  function say(text, tone) {
    var main = document.getElementById("main");
    if (!main) return;
    var box = document.getElementById("offline-notice");
    if (!box) {
      box = document.createElement("p");
      box.id = "offline-notice";
      box.setAttribute("role", "status");
      main.insertBefore(box, main.firstChild);
    }
    box.className = "message" + (tone ? " message--" + tone : "");
    box.textContent = text;
  }
  function size(bytes) {
    var lang = document.documentElement.lang || undefined;
    var mb = bytes / 1048576;
    if (mb >= 1) return mb.toLocaleString(lang, { maximumFractionDigits: 1 }) + " " + T.mb;
    return Math.max(1, Math.round(bytes / 1024)).toLocaleString(lang) + " " + T.kb;
  }
  function token() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // ---- The outbox: one list per phone, each item its writer's -----------------
  function all() {
    try { return JSON.parse(localStorage.getItem(BOX) || "[]"); } catch (e) { return []; }
  }
  function save(items) { localStorage.setItem(BOX, JSON.stringify(items)); draw(); }
  function mine() { return all().filter(function (i) { return i.member === reader; }); }
  function put(item) {
    item.member = reader;
    item.page = item.page || location.pathname + location.search;
    item.state = item.state || "waiting";
    save(all().filter(function (i) { return i.id !== item.id; }).concat([item]));
  }
  function update(id, changes) {
    save(all().map(function (i) {
      if (i.id === id) Object.keys(changes).forEach(function (k) { i[k] = changes[k]; });
      return i;
    }));
  }
  function remove(id) { save(all().filter(function (i) { return i.id !== id; })); }

  function send(item) {
    var request;
    if (item.kind === "chat") {
      request = fetch(item.url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token() || item.token },
        body: JSON.stringify(item.json),
      }).then(function (r) {
        return r.json().then(function (data) {
          if (data.type !== "error") return { state: "sent" };
          if (data.code === "rate_limited") return { state: "waiting" };
          return { state: "refused", reason: data.message };
        }, function () { return { state: r.status >= 500 ? "waiting" : "refused" }; });
      });
    } else {
      var body = new FormData();
      item.fields.forEach(function (f) { body.append(f[0], f[1]); });
      body.set("csrfmiddlewaretoken", token() || item.token);
      request = fetch(item.url, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "X-Cop-Outbox": "1" },
      }).then(function (r) {
        // 200 is the form again with what to fix; a server or proxy in trouble (5xx,
        // 429) is tried again later; anything else (no access now, a locked thread)
        // is refused, and the text stays in the outbox until its writer decides.
        if (r.status === 200) return { state: "invalid" };
        if (r.status >= 500 || r.status === 429) return { state: "waiting" };
        if (r.status !== 204) return { state: "refused" };
        if (r.headers.get("X-Cop-Sign-In")) return { state: "signin" };
        return { state: "sent", location: r.headers.get("X-Cop-Location") || "" };
      });
    }
    return request.catch(function () { return { state: "waiting" }; });
  }

  var flushing = false;
  function flush() {
    if (flushing || navigator.onLine === false) return;
    var open = {};
    document.querySelectorAll("[data-send-url]").forEach(function (el) { open[el.dataset.sendUrl] = 1; });
    var due = mine().filter(function (i) {
      // A room open on this page sends its own; a refused item waits for its writer.
      return i.state !== "refused" && !(i.kind === "chat" && open[i.url]);
    });
    if (!due.length) return;
    flushing = true;
    var step = function (k) {
      if (k >= due.length) { flushing = false; return; }
      var item = due[k];
      update(item.id, { state: "sending" });
      send(item).then(function (outcome) {
        if (outcome.state === "sent") {
          remove(item.id);
          say(T.sent.replace("%s", item.label), "ok");
        } else {
          var state = outcome.state === "invalid" ? "refused" : outcome.state;
          update(item.id, { state: state, reason: outcome.reason || "" });
        }
        if (outcome.state === "waiting") { flushing = false; return; } // network still down
        step(k + 1);
      });
    };
    step(0);
  }
  window.addEventListener("online", flush);
  setInterval(function () {
    if (mine().some(function (i) { return i.state === "waiting" || i.state === "sending"; })) flush();
  }, 30000);

  var STATE = { waiting: "waiting", sending: "sending", signin: "signin", refused: "refused" };
  function draw() {
    var main = document.getElementById("main");
    if (!main) return;
    var panel = document.getElementById("outbox");
    var items = mine();
    if (!items.length) { if (panel) panel.remove(); return; }
    if (!panel) {
      panel = document.createElement("section");
      panel.id = "outbox";
      panel.className = "outbox card";
      panel.setAttribute("aria-labelledby", "outbox-title");
      main.insertBefore(panel, main.firstChild);
    }
    panel.innerHTML = "";
    var h = document.createElement("h2");
    h.id = "outbox-title";
    h.textContent = T.outbox;
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.dataset.state = item.state;
      var what = document.createElement("a");
      what.href = item.page;
      what.textContent = item.label;
      var state = document.createElement("span");
      state.className = "outbox-state";
      state.textContent = " " + T[STATE[item.state] || "waiting"] + (item.reason ? " " + item.reason : "");
      var drop = document.createElement("button");
      drop.type = "button";
      drop.className = "link";
      drop.textContent = T.discard;
      drop.addEventListener("click", function () { if (confirm(T.discardConfirm)) remove(item.id); });
      li.append(what, state, " ", drop);
      list.appendChild(li);
    });
    panel.append(h, list);
  }

  // A form that can wait: sent through the outbox, so a dropped network loses nothing.
  function outboxForm(form) {
    var idField = form.querySelector("[name=client_id]");
    if (!idField) return;
    // Back from a refused send: the text comes back into the form.
    mine().forEach(function (item) {
      if (item.kind === "form" && item.url === form.action && item.state === "refused") {
        var typed = {};
        item.fields.forEach(function (f) { typed[f[0]] = f[1]; });
        Array.prototype.forEach.call(form.elements, function (field) {
          if (!field.name || field.name === "csrfmiddlewaretoken") return;
          if (field.type === "checkbox") field.checked = field.name in typed;
          else if (field.name in typed) field.value = typed[field.name];
        });
        remove(item.id);
      }
    });
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented || form.dataset.native) return;
      event.preventDefault();
      if (!idField.value) idField.value = uuid();
      var fields = [];
      new FormData(form).forEach(function (value, name) {
        if (typeof value === "string") fields.push([name, value]);
      });
      var item = {
        id: idField.value, kind: "form", url: form.action, fields: fields,
        token: token(), label: form.dataset.outbox, state: "sending",
      };
      try { put(item); } catch (full) {
        // No room on the phone to keep it: send it the plain way, as without a script.
        form.dataset.native = "1";
        return form.submit();
      }
      var button = form.querySelector("[type=submit]");
      if (button) button.disabled = true;
      send(item).then(function (outcome) {
        if (button) button.disabled = false;
        if (outcome.state === "sent") {
          remove(item.id);
          var to = new URL(outcome.location, location.href);
          if (to.pathname + to.search !== location.pathname + location.search) return location.assign(to.href);
          // The same page, now with the new post: load it again and show the post.
          sessionStorage.setItem("cop-show", to.hash.slice(1));
          location.reload();
        } else if (outcome.state !== "invalid") {
          // Kept: waiting for the network, for a new sign-in, or refused for now.
          update(item.id, { state: outcome.state });
          form.reset();
          idField.value = "";
          say(outcome.state === "waiting" ? T.saved : T[outcome.state], outcome.state === "refused" ? "error" : "");
        } else {
          // Refused (a mistake in the form, a limit): the site says why, with the text.
          remove(item.id);
          form.dataset.native = "1";
          form.submit();
        }
      });
    });
  }

  // ---- Kept for offline ----------------------------------------------------------
  function keptEntries() {
    return caches.open(KEPT).then(function (cache) {
      return cache.keys().then(function (keys) {
        return Promise.all(keys.map(function (key) {
          return cache.match(key).then(function (r) {
            return {
              url: key.url, cache: cache,
              page: r.headers.get("X-Cop-Kept-Page"),
              title: decodeURIComponent(r.headers.get("X-Cop-Kept-Title") || ""),
              at: Number(r.headers.get("X-Cop-Kept-At") || 0),
              bytes: Number(r.headers.get("X-Cop-Kept-Size") || 0),
            };
          });
        }));
      });
    });
  }
  function used(entries) { return entries.reduce(function (n, e) { return n + e.bytes; }, 0); }
  function forget(pageUrl) {
    return keptEntries().then(function (entries) {
      return Promise.all(entries.filter(function (e) { return e.page === pageUrl; }).map(function (e) {
        return e.cache.delete(e.url);
      }));
    });
  }

  function keepButton(button) {
    var here = new URL(location.pathname + location.search, location.href).href;
    var label = button.textContent;
    function show(kept, bytes) {
      button.textContent = kept ? T.keptAs.replace("%s", size(bytes)) : label;
      button.dataset.kept = kept ? "1" : "";
    }
    keptEntries().then(function (entries) {
      var mineHere = entries.filter(function (e) { return e.page === here; });
      show(mineHere.length > 0, used(mineHere));
    });
    button.hidden = false;
    button.addEventListener("click", function () {
      if (button.dataset.kept) {
        return forget(here).then(function () { show(false); say(T.unkept); });
      }
      var urls = [here].concat((button.dataset.also || "").split(" ").filter(Boolean).map(function (u) {
        return new URL(u, location.href).href;
      }));
      button.disabled = true;
      Promise.all(urls.map(function (url) {
        return fetch(url, { credentials: "same-origin" }).then(function (r) {
          if (!r.ok) throw new Error(r.status);
          return r.blob().then(function (blob) { return { url: url, response: r, blob: blob }; });
        });
      })).then(function (parts) {
        return keptEntries().then(function (entries) {
          var bytes = used(parts.map(function (p) { return { bytes: p.blob.size }; }));
          if (used(entries) + bytes > CAP) { say(T.overCap, "error"); return; }
          return caches.open(KEPT).then(function (cache) {
            return Promise.all(parts.map(function (p) {
              var headers = new Headers(p.response.headers);
              headers.set("X-Cop-Kept-Page", here);
              headers.set("X-Cop-Kept-Title", encodeURIComponent(p.url === here ? document.title.replace(/ · [^·]*$/, "") : ""));
              headers.set("X-Cop-Kept-At", String(Date.now()));
              headers.set("X-Cop-Kept-Size", String(p.blob.size));
              return cache.put(p.url, new Response(p.blob, { status: 200, headers: headers }));
            }));
          }).then(function () { show(true, bytes); say(T.kept.replace("%s", size(bytes)), "ok"); });
        });
      }).catch(function () { say(T.keepFailed, "error"); }).then(function () { button.disabled = false; });
    });
  }

  // The offline page: what this phone holds, drawn from its own caches.
  function drawShelf(shelf) {
    var keptList = shelf.querySelector("[data-kept]");
    var recentList = shelf.querySelector("[data-recent]");
    var usage = shelf.querySelector("[data-usage]");
    function link(url, title, extra) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = url;
      a.textContent = title || new URL(url).pathname;
      li.appendChild(a);
      if (extra) li.append(" ", extra);
      return li;
    }
    function refresh() {
      keptEntries().then(function (entries) {
        keptList.innerHTML = "";
        var pages = entries.filter(function (e) { return e.url === e.page; });
        pages.forEach(function (e) {
          var bytes = used(entries.filter(function (x) { return x.page === e.page; }));
          var drop = document.createElement("button");
          drop.type = "button";
          drop.className = "link";
          drop.textContent = T.remove;
          drop.addEventListener("click", function () { forget(e.page).then(refresh); });
          var note = document.createElement("span");
          note.className = "muted";
          note.textContent = "(" + size(bytes) + ") ";
          var li = link(e.url, e.title, note);
          li.appendChild(drop);
          keptList.appendChild(li);
        });
        if (!pages.length) keptList.innerHTML = "<li>" + T.nothingKept + "</li>";
        usage.textContent = T.usage.replace("%1", size(used(entries))).replace("%2", size(CAP));
      });
      caches.open(PAGES).then(function (cache) { return cache.keys(); }).then(function (keys) {
        recentList.innerHTML = "";
        keys.reverse().forEach(function (key) {
          caches.match(key, { cacheName: PAGES }).then(function (r) { return r.text(); }).then(function (html) {
            // The page's own title, without the site's name after it.
            var title = ((html.match(/<title>([^<]*)<\/title>/) || [])[1] || "").replace(/ · [^·]*$/, "");
            var div = document.createElement("div");
            div.innerHTML = title; // entities, from our own page
            recentList.appendChild(link(key.url, div.textContent));
          });
        });
        if (!keys.length) recentList.innerHTML = "<li>" + T.nothingRecent + "</li>";
      });
    }
    shelf.querySelector("[data-clear]").addEventListener("click", function () {
      caches.delete(KEPT).then(refresh);
    });
    shelf.hidden = false;
    refresh();
  }

  // ---- Whose phone this is ---------------------------------------------------------
  function forgetReader() {
    return Promise.all([caches.delete(KEPT), caches.delete(PAGES)]);
  }
  if (!shell && window.caches) {
    if (localStorage.getItem("cop-reader") !== reader) forgetReader();
    localStorage.setItem("cop-reader", reader);
  }
  document.querySelectorAll('form[action="' + conf.logout + '"]').forEach(function (form) {
    // Signing out goes at once: the outbox is emptied here (it is synchronous), and
    // the kept pages by the service worker when the next page names no reader (and
    // here too, as far as the page lives to do it).
    form.addEventListener("submit", function (event) {
      var waiting = mine().length;
      if (waiting && !confirm(T.signOutConfirm.replace("%s", waiting))) return event.preventDefault();
      save(all().filter(function (i) { return i.member !== reader; }));
      localStorage.removeItem("cop-reader");
      if (window.caches) forgetReader();
      // This browser's notifications were the member's: the server drops them too.
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.ready.then(function (r) { return r.pushManager && r.pushManager.getSubscription(); })
          .then(function (s) { return s && s.unsubscribe(); }).catch(function () { /* best effort */ });
      }
    });
  });

  window.COP = window.COP || {};
  window.COP.outbox = { put: put, update: update, remove: remove, items: mine };
  document.querySelectorAll("form[data-outbox]").forEach(outboxForm);
  if (window.caches && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(conf.sw, { scope: "/" }).catch(function () { /* pages work without */ });
    document.querySelectorAll("[data-keep]").forEach(keepButton);
    document.querySelectorAll("[data-offline-shelf]").forEach(drawShelf);
  }
  var show = sessionStorage.getItem("cop-show");
  if (show) {
    sessionStorage.removeItem("cop-show");
    var post = document.getElementById(show);
    if (post) post.scrollIntoView();
  }
  draw();
  flush();
})();
