// Mention suggestions: typing "@Am" in a compose box lists the members who can read
// where one writes; arrow keys choose, Enter or Tab inserts, Escape closes. Without
// this script, type "@" and the whole name, or paste the link from a member's page.
(function () {
  "use strict";
  var count = 0;
  function attach(form) {
    var box = form.querySelector("textarea");
    var url = form.getAttribute("data-mention");
    if (!box || !url || box.getAttribute("aria-controls")) return;
    var id = "mention-" + ++count;
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var items = [], active = -1, start = -1, timer, asked = 0, seen = {};
    list.id = id;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", form.getAttribute("data-mention-label") || "");
    list.hidden = true;
    // Styled here (through the DOM, which the CSP allows) so every page with a compose
    // box, forum or chat, gets the same list without another stylesheet.
    var css = list.style;
    css.listStyle = "none"; css.margin = ".25rem 0"; css.padding = "0"; css.maxWidth = "24rem";
    css.border = "1px solid var(--line,#d4d9e0)"; css.borderRadius = ".4rem"; css.background = "#fff";
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    // Right under the box (in chat, under the row that holds the box and its button).
    (form.hasAttribute("data-chat-form") ? box.parentNode : box).after(list, status);
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-controls", id);

    function close() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      active = -1;
      box.removeAttribute("aria-activedescendant");
    }
    function mark() {
      items.forEach(function (_, i) {
        var li = list.children[i], on = i === active;
        li.setAttribute("aria-selected", on ? "true" : "false");
        li.style.background = on ? "var(--brand,#0b5e55)" : "";
        li.style.color = on ? "#fff" : "";
      });
      if (active >= 0) box.setAttribute("aria-activedescendant", id + "-" + active);
    }
    function show(results) {
      close();
      items = results;
      results.forEach(function (r, i) {
        var li = document.createElement("li");
        li.id = id + "-" + i;
        li.setAttribute("role", "option");
        li.textContent = r.name;
        li.style.padding = ".6rem .75rem";
        li.style.cursor = "pointer";
        // mousedown, not click: the box keeps focus and the caret.
        li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
        list.appendChild(li);
      });
      active = results.length ? 0 : -1;
      list.hidden = !results.length;
      mark();
      status.textContent = results.length
        ? (form.getAttribute("data-mention-found") || "").replace("__n__", results.length)
        : "";
    }
    function typed() {
      // The "@" being typed, before the caret: not inside a word or an address.
      var pos = box.selectionStart, text = box.value.slice(0, pos);
      var at = text.lastIndexOf("@"), q = text.slice(at + 1);
      if (at < 0 || q.length > 40 || /[\w@\/.+=:&%#~-]/.test(text.charAt(at - 1))) return null;
      if (!q || /^\s|\s$|\n/.test(q)) return null;
      start = at;
      return q;
    }
    function lookup() {
      var q = typed();
      if (q === null) return close();
      for (var k in seen) {
        if (q.indexOf(k) === 0 && !seen[k].length) return close(); // nothing will match
      }
      if (seen[q]) return show(seen[q]);
      var mine = ++asked;
      fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          seen[q] = data.results || [];
          if (mine === asked) show(seen[q]);
        })
        .catch(close);
    }
    function pick(i) {
      var r = items[i];
      if (!r) return;
      var end = box.selectionStart, text = r.insert + " ";
      box.value = box.value.slice(0, start) + text + box.value.slice(end);
      box.setSelectionRange(start + text.length, start + text.length);
      box.focus();
      close();
    }
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 200);
    });
    box.addEventListener("blur", function () { setTimeout(close, 150); });
    // On the form, capturing: before any other key handler of the box.
    form.addEventListener("keydown", function (e) {
      if (e.target !== box || list.hidden) return;
      var k = e.key, n = items.length;
      if (k === "ArrowDown" || k === "ArrowUp") active = (active + (k === "ArrowDown" ? 1 : n - 1)) % n, mark();
      else if ((k === "Enter" || k === "Tab") && active >= 0) pick(active);
      else if (k === "Escape") close();
      else return;
      e.preventDefault();
      e.stopPropagation();
    }, true);
  }
  if (window.COP) window.COP.enhance("form[data-mention]", attach);
  else document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-mention]").forEach(attach);
  });
})();
