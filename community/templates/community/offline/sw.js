{% autoescape off %}// The learning centre's service worker (community.offline says what it may keep).
// Pages: the network first; without it, the copy kept or last opened, else the
// offline page. Static files: the copy first (their names change with their content).
// Posts never come here to wait: the page's outbox keeps them.
"use strict";
var SHELL = "cop-shell-__VERSION__"; // static files and the offline page: nobody's
var PAGES = "cop-pages"; // the pages this member opened, the last RECENT of them
var KEPT = "cop-kept"; // what this member chose to keep (offline.js fills it)
var META = "cop-meta"; // whose pages PAGES and KEPT hold
var OFFLINE_URL = {{ offline_url }};
var STATIC_URL = {{ static_url }};
var NOT_KEPT = {{ not_kept }};
var RECENT = {{ recent }};
var MEMBER_HEADER = {{ member_header }};
var ICON = {{ icon }};

function anonymousGet(url) {
  return fetch(new Request(url, { credentials: "omit" }));
}

self.addEventListener("install", function (event) {
  // The offline page as a visitor sees it, and the static files it links to.
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return anonymousGet(OFFLINE_URL).then(function (response) {
      if (!response.ok) throw new Error("offline page: " + response.status);
      return response.clone().text().then(function (html) {
        var assets = [], found, pattern = /(?:href|src)="([^"]+)"/g;
        while ((found = pattern.exec(html))) {
          if (found[1].indexOf(STATIC_URL) === 0) assets.push(found[1]);
        }
        return Promise.all([cache.put(OFFLINE_URL, response), cache.addAll(assets)]);
      });
    });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("cop-shell-") === 0 && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

// Whose pages the caches hold; another reader empties them before anything is kept.
function noteReader(response) {
  var reader = response.headers.get(MEMBER_HEADER);
  if (reader === null) return Promise.resolve();
  return caches.open(META).then(function (meta) {
    return meta.match("/reader").then(function (known) {
      return known ? known.text() : null;
    }).then(function (before) {
      if (before === reader) return;
      return Promise.all([caches.delete(PAGES), caches.delete(KEPT)]).then(function () {
        return meta.put("/reader", new Response(reader));
      });
    });
  });
}

function keepable(request, response) {
  if (!response.ok || response.type !== "basic" || response.redirected) return false;
  if ((response.headers.get("Content-Type") || "").indexOf("text/html") !== 0) return false;
  if (/no-store/.test(response.headers.get("Cache-Control") || "")) return false;
  var path = new URL(request.url).pathname;
  return !NOT_KEPT.some(function (prefix) { return path.indexOf(prefix) === 0; });
}

function remember(request, response) {
  return caches.open(PAGES).then(function (cache) {
    return cache.put(request.url, response).then(function () {
      return cache.keys();
    }).then(function (keys) {
      // Oldest first: forget all but the last RECENT.
      return Promise.all(keys.slice(0, Math.max(0, keys.length - RECENT)).map(function (key) {
        return cache.delete(key);
      }));
    });
  });
}

function kept(request) {
  var options = { ignoreVary: true, ignoreSearch: false };
  return caches.open(KEPT).then(function (cache) {
    return cache.match(request.url, options);
  }).then(function (hit) {
    return hit || caches.open(PAGES).then(function (cache) {
      return cache.match(request.url, options);
    });
  });
}

function page(event) {
  var request = event.request;
  return fetch(request).then(function (response) {
    // The copy is taken now: the page reads the response while the caches open.
    var copy = keepable(request, response) ? response.clone() : null;
    var after = noteReader(response).then(function () {
      if (copy) return remember(request, copy);
    });
    event.waitUntil(after.catch(function () { /* a full disk loses a copy, not the page */ }));
    return response;
  }, function () {
    return kept(request).then(function (hit) {
      return hit || caches.match(OFFLINE_URL, { cacheName: SHELL });
    }).then(function (hit) { return hit || Response.error(); });
  });
}

function fetchAndStore(request) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic") {
      var copy = response.clone();
      caches.open(SHELL).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  });
}

function staticFile(request) {
  var stored = caches.match(request, { ignoreVary: true });
  // A name with its content's hash in it never changes: the copy will do. Any other
  // (a development server's) is asked for again, the copy serving only offline.
  if (/\.[0-9a-f]{12}\.\w+$/.test(new URL(request.url).pathname)) {
    return stored.then(function (hit) { return hit || fetchAndStore(request); });
  }
  return fetchAndStore(request).catch(function (error) {
    return stored.then(function (hit) { if (hit) return hit; throw error; });
  });
}

function other(request) {
  // Documents and data kept with a page: the network first, the kept copy without it.
  return fetch(request).catch(function (error) {
    return caches.open(KEPT).then(function (cache) {
      return cache.match(request.url, { ignoreVary: true });
    }).then(function (hit) { if (hit) return hit; throw error; });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  // Sends, and media asking for a range (audio), go to the network untouched.
  if (request.method !== "GET" || request.headers.has("range")) return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") return event.respondWith(page(event));
  if (url.pathname.indexOf(STATIC_URL) === 0) return event.respondWith(staticFile(request));
  event.respondWith(other(request));
});

// Notifications (community.push): the payload says what and where, nothing more.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { /* shown bare */ }
  event.waitUntil(self.registration.showNotification(data.title || "", {
    body: data.body || "", tag: data.tag, icon: ICON, data: { url: data.url || "/" },
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = new URL(event.notification.data.url, self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (open) {
    for (var i = 0; i < open.length; i++) {
      if (open[i].url === url && "focus" in open[i]) return open[i].focus();
    }
    return self.clients.openWindow(url);
  }));
});
{% endautoescape %}
