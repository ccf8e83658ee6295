// "Notifications on your phone": subscribe this browser with the site's key, or stop.
(function () {
  "use strict";
  var box = document.querySelector("[data-push]");
  if (!box) return;
  var d = box.dataset;
  var state = box.querySelector("[data-push-state]");
  var button = box.querySelector("[data-push-toggle]");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  box.hidden = false;
  function say(text) { state.textContent = text; }
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !window.Notification || !d.key) {
    button.hidden = true;
    return say(d.unsupported);
  }
  function key() {
    var text = d.key.replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(text + "===".slice((text.length + 3) % 4));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
      body: JSON.stringify(body),
    }).then(function (r) { return r.json(); });
  }
  navigator.serviceWorker.ready.then(function (registration) {
    var manager = registration.pushManager;
    function show(subscription) {
      button.textContent = subscription ? d.turnOff : d.turnOn;
      say(subscription ? d.isOn : Notification.permission === "denied" ? d.blocked : d.isOff);
    }
    manager.getSubscription().then(show);
    button.addEventListener("click", function () {
      button.disabled = true;
      manager.getSubscription().then(function (subscription) {
        if (subscription) {
          return post(d.off, { endpoint: subscription.endpoint })
            .then(function () { return subscription.unsubscribe(); })
            .then(function () { show(null); });
        }
        return Notification.requestPermission().then(function (permission) {
          if (permission !== "granted") return show(null);
          return manager.subscribe({ userVisibleOnly: true, applicationServerKey: key() }).then(function (made) {
            return post(d.on, made.toJSON()).then(function (answer) {
              if (answer.ok) return show(made);
              made.unsubscribe();
              say(answer.message);
            });
          });
        });
      }).catch(function () { say(d.failed); }).then(function () { button.disabled = false; });
    });
  });
})();
