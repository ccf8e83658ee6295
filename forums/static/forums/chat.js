// Live chat. The page works without this script (form + "newer messages" link);
// with it, messages arrive over a websocket, or by polling when sockets fail.
(function () {
  "use strict";
  var POLL_MS = 3000, PING_MS = 25000, MAX_SOCKET_FAILS = 2;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0;
      return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
    });
  }

  function Chat(root) {
    this.root = root;
    this.log = root.querySelector("[data-chat-log]");
    this.lastId = parseInt(root.dataset.lastId || "0", 10);
    this.form = document.querySelector("[data-chat-form]");
    this.error = document.querySelector("[data-chat-error]");
    this.presence = document.querySelector("[data-chat-presence]");
    this.pending = {}; // client_id -> frame, until acknowledged
    this.fails = 0;
    this.mode = "socket";
    var newer = root.querySelector("[data-chat-newer]");
    if (newer) newer.hidden = true;
    if (this.form) this.form.addEventListener("submit", this.onSubmit.bind(this));
    if (typeof WebSocket === "undefined") this.startPolling();
    else this.connect();
  }

  Chat.prototype.connect = function () {
    var self = this;
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws;
    try {
      ws = new WebSocket(proto + location.host + this.root.dataset.wsPath + "?after=" + this.lastId);
    } catch (e) { return this.socketFailed(); }
    var opened = false;
    ws.onopen = function () {
      opened = true; self.fails = 0; self.ws = ws; self.retries = 0;
      self.announce("chat:open");
      Object.keys(self.pending).forEach(function (id) { ws.send(JSON.stringify(self.pending[id])); });
      self.ping = setInterval(function () { ws.send('{"type":"ping"}'); }, PING_MS);
    };
    ws.onmessage = function (e) { self.handle(JSON.parse(e.data)); };
    ws.onclose = function (e) {
      clearInterval(self.ping); self.ws = null;
      if (opened) self.announce("chat:close");
      if (e.code === 4403) return; // no access: nothing to retry
      if (!opened) return self.socketFailed();
      // Reconnect with backoff and jitter (a restarted worker is not stampeded). Too
      // many windows (4429) heals too: a dead worker's sockets stop counting in
      // seconds.
      self.retries = (self.retries || 0) + 1;
      var wait = Math.min(30000, 500 * Math.pow(2, Math.min(self.retries, 6)));
      setTimeout(function () { self.connect(); }, wait * (0.5 + Math.random() / 2));
    };
  };

  Chat.prototype.socketFailed = function () {
    this.fails += 1;
    if (this.fails >= MAX_SOCKET_FAILS) return this.startPolling();
    var self = this;
    setTimeout(function () { self.connect(); }, 1000);
  };

  Chat.prototype.startPolling = function () {
    if (this.mode === "poll") return;
    this.mode = "poll";
    var self = this;
    var poll = function () {
      fetch(self.root.dataset.pollUrl + "?after=" + self.lastId, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          data.messages.forEach(function (m) { self.handle(m); });
          if (self.presence && "presence" in data) self.setPresence(data.presence);
          setTimeout(poll, data.more ? 0 : POLL_MS);
        })
        .catch(function () { setTimeout(poll, POLL_MS * 2); });
    };
    Object.keys(this.pending).forEach(function (id) { self.postFrame(self.pending[id]); });
    poll();
  };

  Chat.prototype.onSubmit = function (event) {
    event.preventDefault();
    var body = this.form.querySelector("[name=body]");
    var anon = this.form.querySelector("[name=anonymous]");
    if (!body.value.trim()) return;
    var frame = { type: "message.send", client_id: uuid(), body: body.value, anonymous: !!(anon && anon.checked) };
    this.pending[frame.client_id] = frame;
    this.showError("");
    if (this.mode === "poll") this.postFrame(frame);
    else if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(frame));
    body.value = "";
  };

  Chat.prototype.postFrame = function (frame) {
    var self = this;
    var token = this.form ? this.form.querySelector("[name=csrfmiddlewaretoken]").value : "";
    fetch(this.root.dataset.sendUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(frame),
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (data.type === "error") return self.handle(data);
      delete self.pending[frame.client_id];
      self.handle(data);
    }).catch(function () { setTimeout(function () { self.postFrame(frame); }, POLL_MS); });
  };

  Chat.prototype.handle = function (m) {
    switch (m.type) {
      case "message": case "message.restored": return this.add(m);
      case "message.ack": delete this.pending[m.client_id]; return;
      case "message.hidden": return this.hide(m.id);
      case "message.edited": return this.add(m, true);
      case "presence": return this.setPresence(m.count);
      case "caught_up": return;
      case "room.closed": if (this.form) this.form.hidden = true; return;
      case "error":
        if (m.client_id && this.pending[m.client_id]) {
          var frame = this.pending[m.client_id];
          delete this.pending[m.client_id];
          var body = this.form && this.form.querySelector("[name=body]");
          if (body && !body.value) body.value = frame.body; // nothing typed is lost
        }
        return this.showError(m.message);
      default:
        // Other frames on the room's group (a webinar's Q&A, say) are for whoever
        // listens on the room element: one socket per page, not one per feature.
        return this.announce("chat:frame", m);
    }
  };

  Chat.prototype.announce = function (name, detail) {
    this.root.dispatchEvent(new CustomEvent(name, { detail: detail }));
  };

  Chat.prototype.add = function (m, replace) {
    if (m.id > this.lastId) this.lastId = m.id;
    // A held or hidden message keeps its number but shows nothing.
    if (m.hidden) return this.hide(m.id);
    var existing = document.getElementById("m" + m.id);
    if (existing && !replace) return;
    var li = document.createElement("li");
    li.className = "chat-msg";
    li.id = "m" + m.id;
    var who = document.createElement("span");
    who.className = "chat-who";
    who.textContent = m.author ? m.author.name : m.alias;
    var time = document.createElement("time");
    time.dateTime = m.created;
    time.textContent = m.created.slice(11, 16);
    var body = document.createElement("span");
    body.className = "chat-body";
    body.innerHTML = m.body_html; // already sanitised by the server's one pipeline
    li.append(who, " ", time, " ", body);
    var empty = this.log.querySelector(".chat-empty");
    if (empty) empty.remove();
    if (existing) existing.replaceWith(li);
    else this.log.appendChild(li);
    if (m.id > this.lastId) this.lastId = m.id;
  };

  Chat.prototype.hide = function (id) {
    var li = document.getElementById("m" + id);
    if (li) li.remove();
  };

  Chat.prototype.setPresence = function (count) {
    // Below the minimum group size the server sends null: "a few", never a number.
    if (!this.presence) return;
    var d = this.presence.dataset;
    this.presence.textContent = count === null ? d.few : d.many.replace("__n__", String(count));
  };

  Chat.prototype.showError = function (text) {
    if (!this.error) return;
    this.error.textContent = text;
    this.error.hidden = !text;
  };

  document.querySelectorAll("[data-chat-room]").forEach(function (root) { new Chat(root); });
})();
