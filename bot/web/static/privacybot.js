/*
 * Privacybot chat widget for KMO-verzekeringen: one <script> tag adds it to any page.
 *
 *   <script src="https://…/widget/privacybot.js" data-server="https://bot.example.be" defer></script>
 *
 * Options (data attributes on the script tag):
 *   data-server           Rasa server base URL (REST channel); default: this page's origin
 *   data-privacy-url      link to the privacy statement; default: /privacy
 *   data-retention-months how long conversations are kept, shown in the notice; default: 6
 *   data-teaser-delay     ms before the "Hulp nodig?" teaser shows; default: 4000
 *   data-timeout          ms before a reply counts as too slow; default: 20000
 *
 * Everything lives in a shadow root (no CSS clash with the host page) and in one closure
 * (no globals). All text is inserted as text nodes, never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || document.getElementById("kmo-privacybot")) return;
  var data = script.dataset;
  var server = (data.server || window.location.origin).replace(/\/+$/, "");
  var assets = script.src.replace(/[^/]*$/, "");
  var privacyUrl = data.privacyUrl || "/privacy";
  var retention = parseInt(data.retentionMonths || "6", 10);
  var teaserDelay = parseInt(data.teaserDelay || "4000", 10);
  var timeout = parseInt(data.timeout || "20000", 10);
  var STORE = "kmo-privacybot";          // sessionStorage: this tab's conversation
  var TEASER = "kmo-privacybot-teaser";  // sessionStorage: teaser shown once per visit

  // ---- state, kept for this tab: survives reloads and navigation, ends with the tab ----------
  function newSender() {
    if (window.crypto && crypto.randomUUID) return "web-" + crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "web-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function load() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(STORE) || "null");
      if (saved && saved.sender && Array.isArray(saved.messages)) return saved;
    } catch (e) { /* unreadable: start afresh */ }
    return { sender: newSender(), messages: [], open: false };
  }

  var state = load();
  function save() {
    try { sessionStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* private mode: memory only */ }
  }

  // ---- DOM ------------------------------------------------------------------------------------
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A tag of its own: host-page rules for div, section, … do not match the widget's host.
  var host = el("kmo-privacybot", { id: "kmo-privacybot" });
  var root = host.attachShadow({ mode: "open" });
  var sheet = el("link", { rel: "stylesheet", href: assets + "privacybot.css" });
  root.appendChild(sheet);

  var teaser = el("div", { class: "teaser", hidden: "" });
  var teaserText = el("button", { type: "button", class: "teaser-text" }, "Hulp nodig?");
  var teaserClose = el("button", { type: "button", class: "teaser-close", "aria-label": "Melding sluiten" }, "×");
  teaser.appendChild(teaserText);
  teaser.appendChild(teaserClose);

  var launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false",
                                "aria-controls": "privacybot-panel" }, "Open chat");

  var panel = el("section", { id: "privacybot-panel", class: "panel", role: "dialog",
                              "aria-labelledby": "privacybot-title", hidden: "" });
  var header = el("header", { class: "header" });
  var title = el("h2", { id: "privacybot-title" }, "Privacybot");
  var restart = el("button", { type: "button", class: "header-button" }, "Nieuw gesprek");
  var close = el("button", { type: "button", class: "header-button close", "aria-label": "Chat sluiten" }, "×");
  header.appendChild(title);
  header.appendChild(restart);
  header.appendChild(close);

  var notice = el("p", { class: "notice" });
  notice.appendChild(document.createTextNode(
    "Dit gesprek wordt bewaard om je vragen te beantwoorden en onze dienst te verbeteren, " +
    "en na " + retention + " maanden gewist. Lees er meer over in ons "));
  notice.appendChild(el("a", { href: privacyUrl, target: "_blank", rel: "noopener" }, "privacystatement"));
  notice.appendChild(document.createTextNode("."));

  var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
                        "aria-label": "Gesprek", tabindex: "0" });
  var status = el("div", { class: "status", role: "status" });
  var typing = el("div", { class: "typing", hidden: "", "aria-hidden": "true" });
  typing.appendChild(el("span"));
  typing.appendChild(el("span"));
  typing.appendChild(el("span"));

  var form = el("form", { class: "composer" });
  var input = el("textarea", { rows: "1", maxlength: "1000", "aria-label": "Typ je vraag",
                               placeholder: "Typ je vraag…" });
  var send = el("button", { type: "submit", class: "send" }, "Verstuur");
  form.appendChild(input);
  form.appendChild(send);

  panel.appendChild(header);
  panel.appendChild(notice);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(status);
  panel.appendChild(form);
  root.appendChild(teaser);
  root.appendChild(panel);
  root.appendChild(launcher);

  // ---- rendering: text only, links made from e-mail addresses and http(s) URLs ---------------
  var LINK = /([\w.+-]+@[\w-]+(?:\.[\w-]+)+)|(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)])/g;

  function textWithLinks(text) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    text.replace(LINK, function (match, email, url, offset) {
      fragment.appendChild(document.createTextNode(text.slice(last, offset)));
      var link = el("a", { href: email ? "mailto:" + email : url }, match);
      if (url) { link.setAttribute("target", "_blank"); link.setAttribute("rel", "noopener"); }
      fragment.appendChild(link);
      last = offset + match.length;
      return match;
    });
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function renderMessage(message, index) {
    var item = el("div", { class: "message " + message.from + (message.failed ? " failed" : "") });
    var bubble = el("div", { class: "bubble" });
    bubble.appendChild(el("span", { class: "visually-hidden" }, message.from === "bot" ? "Privacybot: " : "Jij: "));
    bubble.appendChild(textWithLinks(message.text || ""));
    item.appendChild(bubble);
    if (message.failed) {
      var retry = el("button", { type: "button", class: "retry" }, "Niet verzonden. Opnieuw proberen");
      retry.addEventListener("click", function () { resend(index); });
      item.appendChild(retry);
    }
    var isLatest = index === state.messages.length - 1;
    if (message.buttons && message.buttons.length && isLatest) {
      var replies = el("div", { class: "quick-replies", role: "group", "aria-label": "Snelle antwoorden" });
      message.buttons.forEach(function (button) {
        var choice = el("button", { type: "button", class: "quick-reply" }, button.title);
        choice.addEventListener("click", function () { submit(button.payload, button.title); });
        replies.appendChild(choice);
      });
      item.appendChild(replies);
    }
    return item;
  }

  function render() {
    while (log.firstChild) log.removeChild(log.firstChild);
    state.messages.forEach(function (message, index) { log.appendChild(renderMessage(message, index)); });
    log.scrollTop = log.scrollHeight;
  }

  function setBusy(busy) {
    typing.hidden = !busy;
    send.disabled = busy;
    panel.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function showError(text) {
    status.textContent = text;
    status.className = text ? "status error" : "status";
  }

  // ---- talking to Rasa's REST channel ----------------------------------------------------------
  function post(text) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, timeout);
    return fetch(server + "/webhooks/rest/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, message: text }),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      clearTimeout(timer);
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }, function (error) { clearTimeout(timer); throw error; });
  }

  var queue = Promise.resolve();

  function deliver(message) {
    // One message at a time, in order: the bot answers each before the next is sent.
    queue = queue.then(function () {
      setBusy(true);
      showError("");
      return post(message.payload).then(function (replies) {
        message.failed = false;
        (replies || []).forEach(function (reply) {
          // Sensitive data was left out before storage: keep (and show) the text as stored,
          // not the raw number, also in this tab's sessionStorage.
          if (reply.custom && typeof reply.custom.redacted === "string" && message.from === "user") {
            message.text = message.payload = reply.custom.redacted;
            return;
          }
          if (!reply.text && !(reply.buttons && reply.buttons.length)) return;
          state.messages.push({ from: "bot", text: reply.text || "", buttons: reply.buttons || [] });
        });
      }, function (error) {
        message.failed = true;
        var kept = message.from === "user" ? " Je bericht is bewaard: probeer het zo opnieuw." : " Probeer het zo opnieuw.";
        showError((error && error.name === "AbortError"
          ? "De assistent antwoordt niet snel genoeg." : "De assistent is even niet bereikbaar.") + kept);
      }).then(function () {
        setBusy(false);
        save();
        render();
      });
    });
    return queue;
  }

  function submit(payload, shown) {
    var text = (payload || "").trim();
    if (!text) return;
    var message = { from: "user", text: shown || text, payload: text, failed: false };
    state.messages.push(message);
    save();
    render();
    deliver(message);
  }

  function resend(index) {
    var message = state.messages[index];
    if (!message) return;
    message.failed = false;
    state.messages.splice(index, 1);
    state.messages.push(message);  // back to the end: it is asked now
    save();
    render();
    deliver(message);
  }

  function greet() {
    // The greeting and its topic buttons come from the assistant itself (utter_greet).
    if (state.messages.length) return;
    var hello = { from: "system", payload: "/greet" };
    deliver(hello).then(function () {
      if (hello.failed) {
        state.messages.push({ from: "bot", text: "Hallo 👋 Hoe kunnen we je helpen?" });
        save();
        render();
      }
    });
  }

  // ---- opening, closing, keyboard ----------------------------------------------------------------
  function open(restoring) {
    state.open = true;
    save();
    hideTeaser(true);
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.textContent = "Sluit chat";
    render();
    greet();
    if (!restoring) input.focus();  // after a reload the page keeps its own focus
  }

  function shut() {
    state.open = false;
    save();
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.textContent = "Open chat";
    launcher.focus();
  }

  function hideTeaser(forGood) {
    teaser.hidden = true;
    if (forGood) { try { sessionStorage.setItem(TEASER, "1"); } catch (e) { /* ignore */ } }
  }

  launcher.addEventListener("click", function () { if (panel.hidden) open(false); else shut(); });
  close.addEventListener("click", shut);
  teaserText.addEventListener("click", function () { open(false); });
  teaserClose.addEventListener("click", function () { hideTeaser(true); launcher.focus(); });
  restart.addEventListener("click", function () {
    state = { sender: newSender(), messages: [], open: true };
    showError("");
    save();
    render();
    greet();
    input.focus();
  });
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) { event.preventDefault(); shut(); }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    input.value = "";
    submit(text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });

  // Phones: keep the panel inside the visible area when the on-screen keyboard opens.
  if (window.visualViewport) {
    var fit = function () { host.style.setProperty("--kmo-vh", window.visualViewport.height + "px"); };
    window.visualViewport.addEventListener("resize", fit);
    fit();
  }

  document.body.appendChild(host);
  if (state.open) open(true);
  var seen = false;
  try { seen = sessionStorage.getItem(TEASER) === "1"; } catch (e) { /* ignore */ }
  if (!seen && !state.open) {
    setTimeout(function () {
      if (!panel.hidden) return;
      teaser.hidden = false;
      try { sessionStorage.setItem(TEASER, "1"); } catch (e) { /* ignore */ }
    }, teaserDelay);
  }
})();
