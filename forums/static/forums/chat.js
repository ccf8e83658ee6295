// Live chat. The page works without this script (form + "newer messages" link);
// with it, messages arrive over a websocket, or by polling when sockets keep failing,
// and the person always sees the state of the connection and of each message they
// wrote: waiting, sending, sent, or not sent (with "try again").
(function () {
  "use strict";
  var POLL_MS = 3000, PING_MS = 25000;
  var OPEN_TIMEOUT_MS = 10000; // a handshake that neither opens nor fails
  var ACK_TIMEOUT_MS = 10000; // a send with no answer: the socket is stuck
  var SHORT_LIVED_MS = 5000; // a socket that dies sooner counts as a failure
  var FALLBACK_AFTER = 3; // failures in a row before falling back to HTTP
  var SOCKET_AGAIN_MS = 60000; // while on HTTP, try a socket again this often

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
    this.scroller = root.querySelector("[data-chat-scroll]") || this.log;
    this.lastId = parseInt(root.dataset.lastId || "0", 10);
    this.form = document.querySelector("[data-chat-form]");
    this.error = document.querySelector("[data-chat-error]");
    this.presence = document.querySelector("[data-chat-presence]");
    this.status = document.querySelector("[data-chat-status]");
    this.jump = root.querySelector("[data-chat-jump]");
    this.words = (this.status && this.status.dataset) || {};
    this.pending = {}; // client_id -> frame, until acknowledged
    this.bubbles = {}; // client_id -> the <li> showing it
    this.mine = {}; // message number -> true, for what this page sent
    this.fails = 0;
    this.mode = "socket";
    this.unread = 0;
    // Times and days in the reader's zone (the one the server used for the page).
    var zone = root.dataset.zone || undefined, lang = document.documentElement.lang || undefined;
    try {
      this.dayKey = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
      this.clock = new Intl.DateTimeFormat(lang, { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
      this.dayName = new Intl.DateTimeFormat(lang, { timeZone: zone, day: "numeric", month: "long" });
    } catch (e) { this.dayKey = this.clock = this.dayName = null; }
    this.replyInput = this.form && this.form.querySelector("[data-chat-reply-to]");
    this.replyBar = this.form && this.form.querySelector("[data-chat-replying]");
    this.log.addEventListener("click", this.onReplyClick.bind(this));
    if (this.replyBar) {
      this.replyBar.querySelector("[data-chat-reply-cancel]").addEventListener("click", function (e) {
        e.preventDefault(); this.setReply(null);
      }.bind(this));
    }
    this.readKey = "chat-read:" + root.dataset.chatRoom;
    var newer = root.querySelector("[data-chat-newer]");
    if (newer) newer.hidden = true;
    if (this.form) this.form.addEventListener("submit", this.onSubmit.bind(this));
    if (this.jump) this.jump.addEventListener("click", this.toBottom.bind(this));
    this.scroller.addEventListener("scroll", this.onScroll.bind(this));
    window.addEventListener("online", this.onOnline.bind(this));
    window.addEventListener("offline", this.setStatus.bind(this, "offline"));
    document.addEventListener("visibilitychange", this.markRead.bind(this));
    document.addEventListener("visibilitychange", this.tellRead.bind(this));
    if (!this.showUnreadMarker()) this.toBottom();
    // On a room's own page, open where the conversation is: the newest messages and
    // the box to write in view, as in a messaging app (the title is a scroll away).
    var end = this.form || this.status;
    if (root.closest("[data-chat-page]") && end && end.getBoundingClientRect().bottom > window.innerHeight) {
      end.scrollIntoView({ block: "end" });
    }
    this.restore();
    if (typeof WebSocket === "undefined") this.startPolling();
    else this.connect();
  }

  // --- the outbox (community offline.js): what was written survives a reload --------

  Chat.prototype.outbox = function () { return (window.COP && window.COP.outbox) || null; };

  Chat.prototype.restore = function () {
    // Written in this room on this phone and never acknowledged (offline, then the
    // page closed): shown again as waiting, and sent under the same client_id.
    var box = this.outbox(), self = this, url = this.root.dataset.sendUrl;
    if (!box) return;
    box.items().forEach(function (item) {
      if (item.kind !== "chat" || item.url !== url || self.pending[item.id]) return;
      var frame = item.json;
      frame.client_id = item.id;
      if (item.state === "refused") frame.refused = true;
      self.pending[item.id] = frame;
      self.bubble(frame);
      self.mark(item.id, item.state === "refused" ? "failed" : "queued", item.reason);
    });
  };

  Chat.prototype.keep = function (frame) {
    var box = this.outbox(), token = this.form && this.form.querySelector("[name=csrfmiddlewaretoken]");
    if (!box) return;
    box.put({
      id: frame.client_id, kind: "chat", url: this.root.dataset.sendUrl, json: this.wire(frame),
      label: this.root.dataset.outboxLabel || document.title, token: token ? token.value : "",
    });
  };

  Chat.prototype.unkeep = function (clientId) {
    var box = this.outbox();
    if (box) box.remove(clientId);
  };

  // --- connection -------------------------------------------------------------------

  Chat.prototype.connect = function () {
    var self = this;
    clearTimeout(this.retryTimer);
    if (this.socket) return;
    // On HTTP, the status stays "slow connection" while a socket is tried again.
    if (this.mode !== "poll") this.setStatus(this.everOpen ? "reconnecting" : "connecting");
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws, opened = false, ended = false, openedAt = 0;
    try {
      ws = new WebSocket(proto + location.host + this.root.dataset.wsPath + "?after=" + this.lastId);
    } catch (e) { return this.ended(false, 0); }
    this.socket = ws;
    var openTimer = setTimeout(function () { ws.close(); end({ code: 0 }); }, OPEN_TIMEOUT_MS);
    function end(e) {
      // onerror, onclose and the timers all end up here, once.
      if (ended) return;
      ended = true;
      clearTimeout(openTimer);
      clearInterval(self.ping);
      clearTimeout(self.ackTimer);
      if (self.socket === ws) { self.socket = null; self.ws = null; }
      if (opened) self.announce("chat:close");
      // A socket that went silent (no answer to a send) failed, however long it lived.
      self.ended(opened && !ws.stuck && Date.now() - openedAt >= SHORT_LIVED_MS, e.code);
    }
    ws.onopen = function () {
      opened = true; openedAt = Date.now(); self.everOpen = true;
      clearTimeout(openTimer);
      self.ws = ws; self.retries = 0;
      self.stopPolling();
      self.setStatus("live");
      self.announce("chat:open");
      self.resend();
      self.ping = setInterval(function () { ws.send('{"type":"ping"}'); }, PING_MS);
    };
    ws.onmessage = function (e) {
      var frame;
      try { frame = JSON.parse(e.data); } catch (err) { return; }
      self.handle(frame);
    };
    // A socket that errors without closing (a proxy that hangs) is closed here, so it
    // cannot sit there with messages in it.
    ws.onerror = function () { try { ws.close(); } catch (err) { /* closing */ } end({ code: 0 }); };
    ws.onclose = end;
  };

  Chat.prototype.ended = function (lived, code) {
    var self = this;
    if (code === 4403) return this.setStatus("denied"); // no access: nothing to retry
    this.fails = lived ? 0 : this.fails + 1;
    if (this.fails >= FALLBACK_AFTER) {
      // Sockets keep failing here (a proxy, a firewall): carry on over HTTP, and try a
      // socket again now and then.
      this.startPolling();
      this.retryTimer = setTimeout(function () { self.connect(); }, SOCKET_AGAIN_MS);
      return;
    }
    if (navigator.onLine === false) return this.setStatus("offline"); // "online" reconnects
    // Reconnect with backoff and jitter (a restarted worker is not stampeded). Too
    // many windows (4429) heals too: a dead worker's sockets stop counting in seconds.
    this.retries = (this.retries || 0) + 1;
    var wait = Math.min(30000, 500 * Math.pow(2, Math.min(this.retries, 6)));
    this.setStatus(this.mode === "poll" ? "polling" : "reconnecting");
    this.retryTimer = setTimeout(function () { self.connect(); }, wait * (0.5 + Math.random() / 2));
  };

  Chat.prototype.onOnline = function () {
    if (this.mode === "poll") return this.pollNow();
    if (!this.socket) { this.retries = 0; this.connect(); }
  };

  Chat.prototype.startPolling = function () {
    if (this.mode === "poll") return;
    this.mode = "poll";
    this.setStatus("polling");
    this.resend();
    this.pollNow();
  };

  Chat.prototype.stopPolling = function () {
    this.mode = "socket";
    clearTimeout(this.pollTimer);
  };

  Chat.prototype.pollNow = function () {
    var self = this;
    clearTimeout(this.pollTimer);
    fetch(this.root.dataset.pollUrl + "?after=" + this.lastId, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (self.mode !== "poll") return;
        if (self.status && self.status.dataset.state !== "polling") self.setStatus("polling");
        data.messages.forEach(function (m) { self.handle(m); });
        if ("presence" in data) self.setPresence(data.presence);
        self.pollTimer = setTimeout(function () { self.pollNow(); }, data.more ? 0 : POLL_MS);
      })
      .catch(function () {
        if (self.mode !== "poll") return;
        self.setStatus("offline");
        self.pollTimer = setTimeout(function () { self.pollNow(); }, POLL_MS * 2);
      });
  };

  // --- sending ----------------------------------------------------------------------

  Chat.prototype.onSubmit = function (event) {
    event.preventDefault();
    var body = this.form.querySelector("[name=body]");
    var anon = this.form.querySelector("[name=anonymous]");
    if (!body.value.trim()) return;
    var frame = { type: "message.send", client_id: uuid(), body: body.value, anonymous: !!(anon && anon.checked) };
    if (this.replying) { frame.reply_to = this.replying.id; frame.reply = this.replying; }
    this.pending[frame.client_id] = frame;
    this.keep(frame);
    this.showError("");
    this.bubble(frame);
    body.value = "";
    this.setReply(null);
    this.transmit(frame);
    this.toBottom();
  };

  Chat.prototype.transmit = function (frame) {
    if (this.mode === "poll") return this.postFrame(frame);
    if (this.ws && this.ws.readyState === 1) {
      this.mark(frame.client_id, "sending");
      this.ws.send(JSON.stringify(this.wire(frame)));
      this.watchAck();
    } else {
      this.mark(frame.client_id, "queued"); // sent when the socket is back
    }
  };

  Chat.prototype.resend = function () {
    // Everything not yet acknowledged, except what the server refused: that waits for
    // the person's "Try again".
    var self = this;
    Object.keys(this.pending).forEach(function (id) {
      if (!self.pending[id].refused) self.transmit(self.pending[id]);
    });
  };

  Chat.prototype.watchAck = function () {
    // A frame sent and never answered: the socket is dead without knowing it (a
    // phone that changed networks). Close it; the reconnect resends the same
    // client_id, which the server stores once.
    var ws = this.ws;
    clearTimeout(this.ackTimer);
    this.ackTimer = setTimeout(function () {
      if (!ws) return;
      ws.stuck = true;
      ws.close(4000);
    }, ACK_TIMEOUT_MS);
  };

  Chat.prototype.postFrame = function (frame) {
    var self = this;
    var token = this.form ? this.form.querySelector("[name=csrfmiddlewaretoken]").value : "";
    this.mark(frame.client_id, "sending");
    fetch(this.root.dataset.sendUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(this.wire(frame)),
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (data.type === "error") return self.handle(data);
      self.acked(frame.client_id, data.id, data.held);
      self.handle(data);
    }).catch(function () {
      if (!self.pending[frame.client_id]) return;
      self.mark(frame.client_id, "queued");
      setTimeout(function () { if (self.pending[frame.client_id]) self.transmit(frame); }, POLL_MS);
    });
  };

  Chat.prototype.wire = function (frame) {
    // What goes to the server: the quote shown in the bubble stays here.
    var out = {};
    Object.keys(frame).forEach(function (k) { if (k !== "reply" && k !== "refused") out[k] = frame[k]; });
    return out;
  };

  Chat.prototype.acked = function (clientId, id, held) {
    delete this.pending[clientId];
    this.unkeep(clientId);
    this.settle();
    var li = this.bubbles[clientId];
    delete this.bubbles[clientId];
    if (!li || !id) return;
    this.mine[id] = held ? "held" : "sent";
    // What one wrote oneself is read: the marker never stops above one's own words.
    if (id > this.lastId) this.lastId = id;
    this.markRead();
    var shown = document.getElementById("m" + id);
    if (shown && shown !== li) {
      // The message itself came first: it takes the bubble's place.
      li.remove();
      this.decorate(shown, id);
    } else {
      li.id = "m" + id;
      this.decorate(li, id);
    }
  };

  Chat.prototype.settle = function () {
    // The silence timer is for sends still waiting for an answer; a refusal is one.
    var self = this;
    var waiting = Object.keys(this.pending).some(function (id) {
      var li = self.bubbles[id];
      return !li || li.dataset.state === "sending";
    });
    if (!waiting) clearTimeout(this.ackTimer);
  };

  Chat.prototype.bubble = function (frame) {
    var li = document.createElement("li");
    li.className = "chat-msg chat-mine";
    li.dataset.local = "1";
    var body = document.createElement("span");
    body.className = "chat-body";
    body.textContent = frame.body;
    if (frame.reply) li.append(this.quote(frame.reply));
    li.append(body, " ", this.stateLabel());
    this.bubbles[frame.client_id] = li;
    if (this.dayKey) { li.dataset.day = this.dayKey.format(new Date()); this.separate(li, new Date()); }
    this.append(li);
  };

  Chat.prototype.stateLabel = function () {
    var state = document.createElement("small");
    state.className = "chat-state";
    return state;
  };

  Chat.prototype.mark = function (clientId, state, reason) {
    var li = this.bubbles[clientId];
    if (!li) return;
    var self = this;
    li.dataset.state = state;
    var label = li.querySelector(".chat-state");
    label.textContent = reason ? this.words[state] + " " + reason : this.words[state];
    li.querySelectorAll("button").forEach(function (b) { b.remove(); });
    if (state !== "failed") return;
    var box = this.outbox();
    if (box) box.update(clientId, { state: "refused", reason: reason || "" });
    var again = document.createElement("button");
    again.type = "button";
    again.className = "chat-retry";
    again.textContent = this.words.retry;
    again.addEventListener("click", function () {
      li.querySelectorAll("button").forEach(function (b) { b.remove(); });
      delete self.pending[clientId].refused;
      self.keep(self.pending[clientId]);
      self.transmit(self.pending[clientId]);
    });
    var edit = document.createElement("button");
    edit.type = "button";
    edit.className = "chat-edit";
    edit.textContent = this.words.edit;
    edit.addEventListener("click", function () {
      var box = self.form && self.form.querySelector("[name=body]");
      if (box) { box.value = self.pending[clientId].body; box.focus(); }
      self.unkeep(clientId);
      delete self.pending[clientId];
      delete self.bubbles[clientId];
      li.remove();
    });
    li.append(" ", again, " ", edit);
  };

  Chat.prototype.decorate = function (li, id) {
    var state = this.mine[id];
    if (!state) return;
    li.classList.add("chat-mine");
    var report = li.querySelector(".chat-report");
    if (report) report.remove(); // one's own words are not reported
    var label = li.querySelector(".chat-state") || li.appendChild(this.stateLabel());
    label.textContent = this.words[state];
    li.dataset.state = state;
  };

  // --- frames from the server -------------------------------------------------------

  Chat.prototype.handle = function (m) {
    switch (m.type) {
      case "message": case "message.restored": return this.add(m);
      case "message.ack": return this.acked(m.client_id, m.id, m.held);
      case "message.hidden": return this.hide(m.id);
      case "message.edited": return this.add(m, true);
      case "presence": return this.setPresence(m.count);
      case "history": return; // this page asks for older messages by link, not by socket
      case "caught_up": return;
      case "pong": return;
      case "room.closed": if (this.form) this.form.hidden = true; return;
      case "error":
        if (m.client_id && this.pending[m.client_id]) {
          var self = this, frame = this.pending[m.client_id];
          if (m.code === "rate_limited" && m.retry_after) {
            // Too fast: it goes by itself once the wait is over.
            this.mark(m.client_id, "waiting");
            setTimeout(function () { if (self.pending[frame.client_id]) self.transmit(frame); }, m.retry_after * 1000);
          } else {
            frame.refused = true;
            this.mark(m.client_id, "failed", m.message);
          }
          if (!this.bubbles[m.client_id]) this.showError(m.message);
          this.settle();
          return;
        }
        return this.showError(m.message);
      default:
        // Other frames on the room's group (a webinar's Q&A, its polls) are for whoever
        // listens on the room element: one socket per page, not one per feature.
        return this.announce("chat:frame", m);
    }
  };

  Chat.prototype.announce = function (name, detail) {
    this.root.dispatchEvent(new CustomEvent(name, { detail: detail }));
  };

  Chat.prototype.add = function (m, replace) {
    if (m.id > this.lastId) this.lastId = m.id;
    var existing = document.getElementById("m" + m.id);
    // A held or hidden message keeps its number but shows nothing (to its author, the
    // bubble says it waits for a moderator).
    if (m.hidden) return this.mine[m.id] ? undefined : this.hide(m.id);
    if (existing && !replace && !existing.dataset.local) return;
    var li = document.createElement("li");
    li.className = "chat-msg";
    li.id = "m" + m.id;
    var who = document.createElement("span");
    who.className = "chat-who";
    who.textContent = m.author ? m.author.name : m.alias;
    var time = document.createElement("time");
    var when = new Date(m.created);
    time.dateTime = m.created;
    time.textContent = this.clock ? this.clock.format(when) : m.created.slice(11, 16);
    var body = document.createElement("span");
    body.className = "chat-body";
    body.innerHTML = m.body_html; // already sanitised by the server's one pipeline
    li.append(who, " ", time, " ");
    if (m.reply) li.append(this.quote(m.reply));
    li.append(body);
    if (this.form && !this.form.hidden) {
      var reply = document.createElement("a");
      reply.className = "chat-reply";
      reply.href = "?reply_to=" + m.id + "#chat-body";
      reply.dataset.reply = m.id;
      reply.textContent = this.words.reply || "Reply";
      reply.setAttribute("aria-label", (this.words.replyTo || "") + " " + who.textContent);
      li.append(" ", reply);
    }
    if (this.root.dataset.reportUrl && !this.mine[m.id]) {
      // A private conversation's messages can be reported to the moderators.
      var report = document.createElement("a");
      report.className = "chat-report";
      report.href = this.root.dataset.reportUrl + m.id + "/";
      report.rel = "nofollow";
      report.textContent = this.words.report || "Report";
      li.append(" ", report);
    }
    if (this.dayKey) li.dataset.day = this.dayKey.format(when);
    this.decorate(li, m.id);
    if (existing) return existing.replaceWith(li);
    this.separate(li, when);
    this.append(li);
    // An open conversation in the foreground has read what arrives in it (as in a
    // messaging app): its inbox mark follows.
    this.tellRead();
  };

  Chat.prototype.quote = function (reply) {
    // The message answered: its byline (or alias) and opening words, as text.
    var a = document.createElement("a");
    a.className = "chat-quote";
    a.href = "#m" + reply.id;
    if (reply.who) {
      var b = document.createElement("b");
      b.textContent = reply.who;
      a.append(b, " ");
    }
    a.append(reply.excerpt || "");
    return a;
  };

  Chat.prototype.separate = function (li, when) {
    // A day separator when this message starts a new day (in the reader's zone).
    if (!li.dataset.day) return;
    var days = this.log.querySelectorAll("[data-day]");
    var last = days.length ? days[days.length - 1].dataset.day : null;
    if (last === li.dataset.day) return;
    var sep = document.createElement("li");
    sep.className = "chat-day";
    sep.dataset.day = li.dataset.day;
    var label = document.createElement("span");
    var today = this.dayKey.format(new Date());
    var yesterday = this.dayKey.format(new Date(Date.now() - 864e5));
    label.textContent = li.dataset.day === today ? this.words.today
      : li.dataset.day === yesterday ? this.words.yesterday : this.dayName.format(when);
    sep.append(label);
    this.append(sep, true);
  };

  // --- replying ---------------------------------------------------------------------

  Chat.prototype.onReplyClick = function (e) {
    var link = e.target.closest && e.target.closest("[data-reply]");
    if (!link || !this.form) return;
    e.preventDefault();
    var li = link.closest(".chat-msg");
    var who = li.querySelector(".chat-who");
    var body = li.querySelector(".chat-body");
    var text = (body ? body.textContent : "").replace(/\s+/g, " ").trim();
    if (text.length > 80) text = text.slice(0, 79).trim() + "…";
    this.setReply({ id: parseInt(link.dataset.reply, 10), who: who ? who.textContent : "", excerpt: text });
    this.form.querySelector("[name=body]").focus();
  };

  Chat.prototype.setReply = function (reply) {
    this.replying = reply;
    if (!this.replyBar) return;
    this.replyInput.value = reply ? reply.id : "";
    this.replyBar.hidden = !reply;
    this.replyBar.querySelector("[data-chat-replying-who]").textContent = reply ? reply.who : "";
    this.replyBar.querySelector("[data-chat-replying-text]").textContent = reply ? reply.excerpt : "";
  };

  // --- unread: a marker above what arrived since this device last read the room ---

  Chat.prototype.showUnreadMarker = function () {
    var read;
    try { read = parseInt(localStorage.getItem(this.readKey) || "", 10); } catch (e) { return false; }
    if (!read || read >= this.lastId) return false;
    var first = null;
    this.log.querySelectorAll(".chat-msg[data-id]").forEach(function (li) {
      if (!first && parseInt(li.dataset.id, 10) > read && !li.classList.contains("chat-mine")) first = li;
    });
    if (!first) return false;
    var marker = document.createElement("li");
    marker.className = "chat-unread";
    marker.id = "chat-unread";
    var label = document.createElement("span");
    label.textContent = this.words.unread;
    marker.append(label);
    var before = first.previousElementSibling;
    first.parentNode.insertBefore(marker, before && before.classList.contains("chat-day") ? before : first);
    this.scroller.scrollTop = Math.max(0, marker.offsetTop - this.scroller.offsetTop - 8);
    if (this.nearBottom()) this.markRead();
    return true;
  };

  Chat.prototype.markRead = function () {
    if (!this.nearBottom()) return;
    try { localStorage.setItem(this.readKey, String(this.lastId)); } catch (e) { /* private mode */ }
    this.tellRead();
  };

  // A private conversation keeps its read mark on the server (the inbox's unread
  // count): what reached this page while it was open in the foreground is told, at
  // most once a moment, and again when the page comes back into view.
  Chat.prototype.tellRead = function () {
    var url = this.root.dataset.readUrl, self = this;
    if (!url || document.hidden || this.lastId <= (this.toldRead || 0) || this.tellTimer) return;
    this.tellTimer = setTimeout(function () {
      self.tellTimer = null;
      var seq = self.lastId, token = document.querySelector("[name=csrfmiddlewaretoken]");
      if (!token || seq <= (self.toldRead || 0)) return;
      var body = new FormData();
      body.append("seq", String(seq));
      fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": token.value } })
        .then(function (r) { if (r.ok) self.toldRead = seq; })
        .catch(function () { /* told on the next message or visit */ });
    }, 1500);
  };

  Chat.prototype.append = function (li, quiet) {
    var atBottom = this.nearBottom();
    var empty = this.log.querySelector(".chat-empty");
    if (empty) empty.remove();
    this.log.appendChild(li);
    if (quiet) return;
    if (atBottom || li.classList.contains("chat-mine")) return this.toBottom();
    this.unread += 1;
    this.showJump();
  };

  Chat.prototype.hide = function (id) {
    var li = document.getElementById("m" + id);
    if (li) li.remove();
  };

  // --- scrolling: the newest message stays in view unless the reader scrolled up ---

  Chat.prototype.nearBottom = function () {
    var s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 48;
  };

  Chat.prototype.toBottom = function () {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.unread = 0;
    this.showJump();
    this.markRead();
  };

  Chat.prototype.onScroll = function () {
    if (this.unread && this.nearBottom()) { this.unread = 0; this.showJump(); }
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(this.markRead.bind(this), 500);
  };

  Chat.prototype.showJump = function () {
    if (!this.jump) return;
    this.jump.hidden = !this.unread;
    this.jump.textContent = (this.jump.dataset.label || "").replace("__n__", String(this.unread));
  };

  // --- what the person sees ---------------------------------------------------------

  Chat.prototype.setStatus = function (state) {
    if (!this.status) return;
    this.status.dataset.state = state;
    this.status.textContent = this.words[state] || "";
    this.status.hidden = false;
  };

  Chat.prototype.setPresence = function (count) {
    // Below the minimum group size the server sends null: "a few", never a number.
    if (!this.presence) return;
    var d = this.presence.dataset;
    if (!d.few) return;
    this.presence.textContent = count === null ? d.few : d.many.replace("__n__", String(count));
  };

  Chat.prototype.showError = function (text) {
    if (!this.error) return;
    this.error.textContent = text;
    this.error.hidden = !text;
  };

  document.querySelectorAll("[data-chat-room]").forEach(function (root) { new Chat(root); });
})();
