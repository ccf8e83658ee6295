// Webinar questions: the page works without this (forms post and reload); with it,
// votes and new questions update in place, refreshed every few seconds.
(function () {
  "use strict";
  var POLL_MS = 5000;
  var root = document.querySelector("[data-qa]");
  if (!root) return;
  var list = root.querySelector("[data-qa-list]");
  var csrf = (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value;

  function post(url, body) {
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf }
    });
  }

  function votesText(n) { return n + (n === 1 ? " vote" : " votes"); }

  function update(questions) {
    questions.forEach(function (q) {
      var li = list.querySelector('[data-qa-id="' + q.id + '"]');
      if (!li) { return refreshAll(); }
      var votes = li.querySelector(".qa-votes");
      if (votes) votes.textContent = votesText(q.votes);
      var button = li.querySelector("[data-qa-vote] button");
      if (button) {
        button.setAttribute("aria-pressed", q.voted ? "true" : "false");
        button.textContent = q.voted ? root.dataset.unvoteLabel : root.dataset.voteLabel;
      }
      li.classList.toggle("qa--answered", q.answered);
    });
  }

  var refreshing = false;
  function refreshAll() {
    // A new question arrived: fetch the server-rendered list (one pipeline, no
    // templating in the browser).
    if (refreshing) return;
    refreshing = true;
    fetch(location.pathname, { credentials: "same-origin" }).then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-qa-list]");
        if (fresh) { list.innerHTML = fresh.innerHTML; bindVotes(); }
      }).finally(function () { refreshing = false; });
  }

  function poll() {
    if (document.hidden) return;
    fetch(root.dataset.qaUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (data) {
        var shown = list.querySelectorAll("[data-qa-id]").length;
        if (data.questions.length !== shown) return refreshAll();
        update(data.questions);
      }).catch(function () {});
  }

  function bindVotes() {
    list.querySelectorAll("[data-qa-vote]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        post(form.action, new FormData(form)).then(poll);
      });
    });
  }

  var ask = root.querySelector("[data-qa-form]");
  if (ask) ask.addEventListener("submit", function (e) {
    e.preventDefault();
    post(ask.action, new FormData(ask)).then(function (r) {
      if (r.ok) { ask.reset(); refreshAll(); } else { ask.submit(); }
    });
  });
  var refresh = root.querySelector("[data-qa-refresh]");
  if (refresh) refresh.hidden = true;
  bindVotes();
  setInterval(poll, POLL_MS);
})();
