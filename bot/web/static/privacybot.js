/*
 * Privacybot chat widget for KMO-verzekeringen: one <script> tag adds it to any page.
 *
 *   <script src="https://…/widget/privacybot.js" data-server="https://bot.example.be" defer></script>
 *
 * Options (data attributes on the script tag):
 *   data-server           Rasa server base URL (REST channel); default: this page's origin
 *   data-privacy-url      link to the privacy statement; default: /privacy
 *   data-retention-months how long conversations are kept, shown in the notice; default: 6
 *   data-teaser           the teaser's text on this page; default: "Vragen over je privacy?"
 *   data-teaser-delay     ms before the teaser shows (once per visit); default: 4000
 *   data-timeout          ms before a reply counts as too slow; default: 20000
 *
 * Everything lives in a shadow root (no CSS clash with the host page) and in one closure
 * (no globals). All text is inserted as text nodes, never as HTML; the icons are built with
 * DOM calls too. Only the bot's text gets links and reference chips: what a visitor typed is
 * shown exactly as typed.
 *
 * Feedback: when the chat channel marks an answer as rateable (a reply item
 * {"custom": {"feedback": {"message_id": …}}}), 👍/👎 appear under it; a click POSTs
 * {sender, message_id, rating[, reason]} to <server>/webhooks/rest/feedback.
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
  var teaserLabel = (data.teaser || "").trim() || "Vragen over je privacy?";
  var teaserDelay = parseInt(data.teaserDelay || "4000", 10);
  var timeout = parseInt(data.timeout || "20000", 10);
  var STORE = "kmo-privacybot";          // sessionStorage: this tab's conversation
  var TEASER = "kmo-privacybot-teaser";  // sessionStorage: teaser shown once per visit

  // The feedback reasons: a fixed list (no free text, so no personal data), same codes as bot/staff/feedback.py.
  var REASONS = [["not_answered", "Geen antwoord op mijn vraag"], ["wrong", "Klopt niet"], ["unclear", "Onduidelijk"]];
  var THANKS = "Bedankt voor je feedback.";
  var FEEDBACK_FAILED = "Je feedback kon niet verstuurd worden. Probeer het later opnieuw.";

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

  // Phones and tablets: focusing the input would open the on-screen keyboard over the greeting.
  function touchDevice() {
    return !!(window.matchMedia && window.matchMedia("(pointer: coarse)").matches);
  }

  // ---- DOM ------------------------------------------------------------------------------------
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  function icon(className, shapes) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", className);
    shapes.forEach(function (shape) {
      var path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", shape[0]);
      path.setAttribute("fill", shape[1]);
      svg.appendChild(path);
    });
    return svg;
  }

  // A tag of its own: host-page rules for div, section, … do not match the widget's host.
  var host = el("kmo-privacybot", { id: "kmo-privacybot" });
  var root = host.attachShadow({ mode: "open" });
  var sheet = el("link", { rel: "stylesheet", href: assets + "privacybot.css" });
  root.appendChild(sheet);

  var teaser = el("div", { class: "teaser", hidden: "" });
  var teaserText = el("button", { type: "button", class: "teaser-text" }, teaserLabel);
  var teaserClose = el("button", { type: "button", class: "teaser-close", "aria-label": "Melding sluiten" }, "×");
  teaser.appendChild(teaserText);
  teaser.appendChild(teaserClose);

  var launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false",
                                "aria-controls": "privacybot-panel" });
  var launcherLabel = el("span", { class: "launcher-label" }, "Open chat");
  launcher.appendChild(icon("launcher-icon", [
    ["M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z", "currentColor"],
    ["M7 9.5h10v1.6H7zM7 12.7h6.5v1.6H7z", "#0b3a6f"]]));
  launcher.appendChild(launcherLabel);

  var panel = el("section", { id: "privacybot-panel", class: "panel", role: "dialog",
                              "aria-labelledby": "privacybot-title", "aria-describedby": "privacybot-subtitle",
                              hidden: "" });
  var header = el("header", { class: "header" });
  var mark = el("span", { class: "mark" });
  // The company's mark: a shield with a check, in the site's brand red, on a white badge.
  mark.appendChild(icon("mark-icon", [
    ["M12 2.2 4.5 5v6.1c0 4.8 3.2 9.1 7.5 10.7 4.3-1.6 7.5-5.9 7.5-10.7V5L12 2.2z", "#c0392b"],
    ["m10.6 15.6-3.3-3.3 1.4-1.4 1.9 1.9 4.7-4.7 1.4 1.4-6.1 6.1z", "#fff"]]));
  var title = el("h2", { id: "privacybot-title", class: "title" }, "Privacybot");
  var subtitle = el("p", { id: "privacybot-subtitle", class: "subtitle" }, "Vragen over je privacy bij KMO-verzekeringen");
  var menuWrap = el("div", { class: "menu-wrap" });
  var menuButton = el("button", { type: "button", class: "header-button menu-button", "aria-label": "Meer opties",
                                  "aria-haspopup": "menu", "aria-expanded": "false", "aria-controls": "privacybot-menu" }, "⋮");
  var menu = el("div", { id: "privacybot-menu", class: "menu", role: "menu", "aria-label": "Meer opties", hidden: "" });
  var restart = el("button", { type: "button", class: "menu-item", role: "menuitem", tabindex: "-1" }, "Nieuw gesprek");
  var statementItem = el("a", { class: "menu-item", role: "menuitem", tabindex: "-1", href: privacyUrl,
                                target: "_blank", rel: "noopener" }, "Privacystatement");
  menu.appendChild(restart);
  menu.appendChild(statementItem);
  menuWrap.appendChild(menuButton);
  menuWrap.appendChild(menu);
  var close = el("button", { type: "button", class: "header-button close", "aria-label": "Chat sluiten" }, "×");
  header.appendChild(mark);
  header.appendChild(title);
  header.appendChild(subtitle);
  header.appendChild(menuWrap);
  header.appendChild(close);

  var body = el("div", { class: "body" });
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

  // One short line under the input: what happens to the conversation, and where to read more.
  var notice = el("p", { class: "notice" });
  notice.appendChild(document.createTextNode("We bewaren dit gesprek " + retention + " maanden. "));
  notice.appendChild(el("a", { href: privacyUrl, target: "_blank", rel: "noopener" }, "Privacystatement"));

  // "Nieuw gesprek" asks first: the conversation (and a request reference in it) leaves the screen.
  var confirmBox = el("div", { class: "confirm", role: "alertdialog", "aria-modal": "true",
                               "aria-labelledby": "privacybot-confirm-title",
                               "aria-describedby": "privacybot-confirm-text", hidden: "" });
  var confirmCard = el("div", { class: "confirm-card" });
  var confirmTitle = el("p", { id: "privacybot-confirm-title", class: "confirm-title" }, "Nieuw gesprek beginnen?");
  var confirmText = el("p", { id: "privacybot-confirm-text", class: "confirm-text" });
  var confirmActions = el("div", { class: "confirm-actions" });
  var confirmYes = el("button", { type: "button", class: "action primary" }, "Ja, begin opnieuw");
  var confirmNo = el("button", { type: "button", class: "action secondary" }, "Annuleren");
  confirmActions.appendChild(confirmYes);
  confirmActions.appendChild(confirmNo);
  confirmCard.appendChild(confirmTitle);
  confirmCard.appendChild(confirmText);
  confirmCard.appendChild(confirmActions);
  confirmBox.appendChild(confirmCard);

  body.appendChild(log);
  body.appendChild(typing);
  body.appendChild(status);
  body.appendChild(form);
  body.appendChild(notice);
  body.appendChild(confirmBox);
  panel.appendChild(header);
  panel.appendChild(body);
  root.appendChild(teaser);
  root.appendChild(panel);
  root.appendChild(launcher);

  // ---- rendering: text only; the bot's e-mail addresses and URLs become links --------------------
  var RICH = /([\w.+-]+@[\w-]+(?:\.[\w-]+)+)|(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)])|\b(PRV-[A-Z0-9]{10})\b/g;
  var REFERENCE = /\bPRV-[A-Z0-9]{10}\b/g;
  var BULLET = /^\s*•\s+/;

  // A link to a part of the privacy statement reads as that part ("Hoe lang worden mijn gegevens
  // bewaard"), not as a long address broken over three lines; the address stays the link target.
  var PRIVACY_PATH = (function () {
    try { return new URL(privacyUrl, window.location.href).pathname.replace(/\/+$/, ""); } catch (e) { return null; }
  }());

  function linkLabel(url) {
    try {
      var parsed = new URL(url);
      if (PRIVACY_PATH && parsed.pathname.replace(/\/+$/, "") === PRIVACY_PATH && parsed.hash.length > 1) {
        var words = decodeURIComponent(parsed.hash.slice(1)).replace(/-+/g, " ").trim();
        if (words) return words.charAt(0).toUpperCase() + words.slice(1);
      }
    } catch (e) { /* not a URL we can read: show it as it is */ }
    return url;
  }

  function richText(text) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    text.replace(RICH, function (match, email, url, reference, offset) {
      fragment.appendChild(document.createTextNode(text.slice(last, offset)));
      var node;
      if (reference) {
        node = el("span", { class: "ref" }, match);
      } else {
        node = el("a", { href: email ? "mailto:" + email : url, class: email ? "mail" : "url" }, email ? match : linkLabel(url));
        if (url) { node.setAttribute("target", "_blank"); node.setAttribute("rel", "noopener"); }
      }
      fragment.appendChild(node);
      last = offset + match.length;
      return match;
    });
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  // Lines starting with "• " become a list (the request summary); other lines stay paragraphs.
  function botText(bubble, text) {
    var lines = text.split("\n");
    if (!lines.some(function (line) { return BULLET.test(line); })) {
      bubble.appendChild(richText(text));
      return;
    }
    var paragraph = [];
    var list = null;
    function flush() {
      if (paragraph.length && paragraph.join("").trim()) {
        var p = el("p");
        p.appendChild(richText(paragraph.join("\n").replace(/^\n+|\n+$/g, "")));
        bubble.appendChild(p);
      }
      paragraph = [];
    }
    lines.forEach(function (line) {
      if (BULLET.test(line)) {
        flush();
        if (!list) { list = el("ul"); bubble.appendChild(list); }
        var item = el("li");
        item.appendChild(richText(line.replace(BULLET, "")));
        list.appendChild(item);
      } else {
        list = null;
        paragraph.push(line);
      }
    });
    flush();
  }

  function references(text) {
    var found = [];
    (text.match(REFERENCE) || []).forEach(function (ref) { if (found.indexOf(ref) < 0) found.push(ref); });
    return found;
  }

  function copyReference(code, reference, note) {
    function done(text) {
      note.textContent = text;
      setTimeout(function () { if (note.textContent === text) note.textContent = ""; }, 6000);
    }
    function selectIt() {  // no clipboard (old browser, refused): select it for Ctrl+C or a long press
      var range = document.createRange();
      range.selectNodeContents(code);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      done("Geselecteerd: kopieer met Ctrl+C.");
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(reference).then(function () { done("Gekopieerd"); }, selectIt);
    } else {
      selectIt();
    }
  }

  function referenceCard(reference) {
    var card = el("div", { class: "reference" });
    card.appendChild(el("span", { class: "reference-label" }, "Je referentie"));
    var code = el("code", { class: "reference-code" }, reference);
    card.appendChild(code);
    var copy = el("button", { type: "button", class: "copy", "aria-label": "Kopieer referentie " + reference }, "Kopieer");
    var note = el("span", { class: "copy-note", role: "status" });
    copy.addEventListener("click", function () { copyReference(code, reference, note); });
    card.appendChild(copy);
    card.appendChild(note);
    return card;
  }

  // Quick replies: a confirmation is the primary action, cancelling/denying a quiet secondary one.
  function buttonKind(payload) {
    if (/^\/(affirm|confirm)\b/.test(payload || "")) return " primary";
    if (/^\/(deny|cancel|stop)\b/.test(payload || "")) return " secondary";
    return "";
  }

  function feedbackBox(message) {
    var feedback = message.feedback;
    // A failure is said once, here: kept out of sessionStorage, so a reload does not show it again.
    var failed = "";
    var box = el("div", { class: "feedback" });
    var rates = el("div", { class: "rates", role: "group", "aria-label": "Was dit antwoord nuttig?" });
    var up = el("button", { type: "button", class: "rate up", "aria-label": "Nuttig antwoord", "aria-pressed": "false" }, "👍");
    var down = el("button", { type: "button", class: "rate down", "aria-label": "Niet nuttig", "aria-pressed": "false" }, "👎");
    var note = el("span", { class: "feedback-note" });
    var reasons = null;
    rates.appendChild(up);
    rates.appendChild(down);
    box.appendChild(rates);
    box.appendChild(note);

    function update() {
      up.setAttribute("aria-pressed", feedback.rating === "up" ? "true" : "false");
      down.setAttribute("aria-pressed", feedback.rating === "down" ? "true" : "false");
      note.textContent = failed || (feedback.rating ? THANKS : "");
      note.className = failed ? "feedback-note error" : "feedback-note";
      var offer = feedback.rating === "down" && !feedback.reason && feedback.askReason && !failed;
      if (offer && !reasons) {
        reasons = el("div", { class: "reasons", role: "group", "aria-label": "Wat ging er mis? (niet verplicht)" });
        reasons.appendChild(el("span", { class: "reasons-label", "aria-hidden": "true" }, "Wat ging er mis?"));
        REASONS.forEach(function (reason) {
          var choice = el("button", { type: "button", class: "reason" }, reason[1]);
          choice.addEventListener("click", function () { rate("down", reason[0]); });
          reasons.appendChild(choice);
        });
        box.appendChild(reasons);
        if (box.isConnected) reasons.scrollIntoView({ block: "nearest" });
      } else if (!offer && reasons) {
        if (reasons.contains(root.activeElement)) down.focus();  // focus stays on this answer
        box.removeChild(reasons);
        reasons = null;
      }
    }

    function rate(rating, reason) {
      var sent = { sender: state.sender, message_id: feedback.id, rating: rating };
      if (reason) sent.reason = reason;
      box.setAttribute("aria-busy", "true");
      fetch(server + "/webhooks/rest/feedback", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(sent)
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (reply) {
          if (!response.ok || !reply || reply.ok !== true) {
            var said = reply && typeof reply.error === "string" && reply.error.trim();
            throw { note: said ? said.slice(0, 200) : FEEDBACK_FAILED };
          }
        });
      }).then(function () {
        feedback.rating = rating;
        feedback.reason = reason || null;
        feedback.askReason = rating === "down" && !reason;
        failed = "";
      }, function (error) {
        failed = (error && error.note) || FEEDBACK_FAILED;
      }).then(function () {
        box.removeAttribute("aria-busy");
        save();
        update();
      });
    }

    up.addEventListener("click", function () { rate("up"); });
    down.addEventListener("click", function () { rate("down"); });
    update();
    return box;
  }

  function renderMessage(message, index) {
    var item = el("div", { class: "message " + message.from + (message.failed ? " failed" : "") });
    var bubble = el("div", { class: "bubble" });
    var fromBot = message.from === "bot";
    bubble.appendChild(el("span", { class: "visually-hidden" }, fromBot ? "Privacybot: " : "Jij: "));
    if (fromBot) botText(bubble, message.text || "");
    else bubble.appendChild(document.createTextNode(message.text || ""));  // as typed: no links
    item.appendChild(bubble);
    if (fromBot) references(message.text || "").forEach(function (ref) { item.appendChild(referenceCard(ref)); });
    if (message.failed) {
      var retry = el("button", { type: "button", class: "retry" }, "Niet verzonden. Opnieuw proberen");
      retry.addEventListener("click", function () { resend(index); });
      item.appendChild(retry);
    }
    if (fromBot && message.feedback && message.feedback.id) item.appendChild(feedbackBox(message));
    var isLatest = index === state.messages.length - 1;
    if (message.buttons && message.buttons.length && isLatest) {
      var replies = el("div", { class: "quick-replies", role: "group", "aria-label": "Snelle antwoorden" });
      message.buttons.forEach(function (button) {
        var choice = el("button", { type: "button", class: "quick-reply" + buttonKind(button.payload) }, button.title);
        choice.addEventListener("click", function () {
          submit(button.payload, button.title);
          focusComposer();  // the buttons are gone: focus stays in the panel, not on the page
        });
        replies.appendChild(choice);
      });
      item.appendChild(replies);
    }
    return item;
  }

  function scrollToEnd() { log.scrollTop = log.scrollHeight; }

  // ``from``: index of the first new message. A long answer is shown from its start, else the end.
  function render(from) {
    var hadFocus = log.contains(root.activeElement) && root.activeElement !== log;
    while (log.firstChild) log.removeChild(log.firstChild);
    state.messages.forEach(function (message, index) { log.appendChild(renderMessage(message, index)); });
    var first = typeof from === "number" ? log.children[from] : null;
    if (first && log.scrollHeight - first.offsetTop > log.clientHeight) log.scrollTop = first.offsetTop - 12;
    else scrollToEnd();
    if (hadFocus) focusComposer();
  }

  // The input, except on touch screens (the keyboard would cover the answer): there the log.
  function focusComposer() {
    if (panel.hidden) return;
    if (touchDevice()) log.focus({ preventScroll: true });
    else input.focus();
  }

  // The stylesheet loads after the first render (a reload restores an open panel at once):
  // only then does the log have its height, so scroll to the latest message again.
  sheet.addEventListener("load", function () { if (!panel.hidden) scrollToEnd(); });

  function setBusy(busy) {
    typing.hidden = !busy;
    send.disabled = busy;
    panel.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function showError(text) {
    status.textContent = text;
    status.className = text ? "status error" : "status";
  }

  // The input grows with its text up to its max-height (about six lines), then scrolls.
  function grow() {
    input.style.height = "auto";
    input.style.height = (input.scrollHeight + input.offsetHeight - input.clientHeight) + "px";
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
      var sender = state.sender;
      var first = state.messages.length;
      setBusy(true);
      showError("");
      return post(message.payload).then(function (replies) {
        if (state.sender !== sender) return;  // "Nieuw gesprek" meanwhile: not this conversation's answer
        message.failed = false;
        var answer = null;
        (replies || []).forEach(function (reply) {
          var custom = reply.custom || {};
          // Sensitive data was left out before storage: keep (and show) the text as stored,
          // not the raw number, also in this tab's sessionStorage.
          if (typeof custom.redacted === "string" && message.from === "user") {
            message.text = message.payload = custom.redacted;
            return;
          }
          // The channel says this turn's answer can be rated: 👍/👎 under its last bubble.
          if (custom.feedback && typeof custom.feedback.message_id === "string" && answer) {
            answer.feedback = { id: custom.feedback.message_id, rating: null, reason: null };
            return;
          }
          if (!reply.text && !(reply.buttons && reply.buttons.length)) return;
          answer = { from: "bot", text: reply.text || "", buttons: reply.buttons || [] };
          state.messages.push(answer);
        });
      }, function (error) {
        if (state.sender !== sender) return;
        message.failed = true;
        var kept = message.from === "user" ? " Je bericht is bewaard: probeer het zo opnieuw." : " Probeer het zo opnieuw.";
        showError((error && error.name === "AbortError"
          ? "De assistent antwoordt niet snel genoeg." : "De assistent is even niet bereikbaar.") + kept);
      }).then(function () {
        setBusy(false);
        if (state.sender !== sender) return;
        save();
        render(first);
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
    focusComposer();
    deliver(message);
  }

  function greet() {
    // The greeting and its topic buttons come from the assistant itself (utter_greet).
    if (state.messages.length) return;
    var hello = { from: "system", payload: "/greet" };
    var sender = state.sender;
    deliver(hello).then(function () {
      if (hello.failed && state.sender === sender && !state.messages.length) {
        state.messages.push({ from: "bot", text: "Hallo 👋 Hoe kunnen we je helpen?" });
        save();
        render();
      }
    });
  }

  // ---- the ⋮ menu and the "Nieuw gesprek" confirmation -------------------------------------------
  var menuItems = [restart, statementItem];

  function openMenu() {
    menu.hidden = false;
    menuButton.setAttribute("aria-expanded", "true");
    menuItems[0].focus();
  }

  function closeMenu(refocus) {
    if (menu.hidden) return;
    menu.hidden = true;
    menuButton.setAttribute("aria-expanded", "false");
    if (refocus) menuButton.focus();
  }

  menuButton.addEventListener("click", function () { if (menu.hidden) openMenu(); else closeMenu(true); });
  menuButton.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") { event.preventDefault(); openMenu(); }
  });
  menu.addEventListener("keydown", function (event) {
    var at = menuItems.indexOf(root.activeElement);
    var next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: menuItems.length - 1 }[event.key];
    if (next !== undefined) {
      event.preventDefault();
      menuItems[(next + menuItems.length) % menuItems.length].focus();
    } else if (event.key === "Tab") {
      closeMenu(false);
    } else if (event.key === " " && root.activeElement === statementItem) {
      event.preventDefault();
      statementItem.click();
    }
  });
  // Clicking or tabbing anywhere else closes the menu.
  menuWrap.addEventListener("focusout", function (event) {
    if (!event.relatedTarget || !menuWrap.contains(event.relatedTarget)) closeMenu(false);
  });
  statementItem.addEventListener("click", function () { closeMenu(false); });

  function openConfirm() {
    closeMenu(false);
    while (confirmText.firstChild) confirmText.removeChild(confirmText.firstChild);
    confirmText.appendChild(document.createTextNode(
      "Dit gesprek en een eventuele referentie van je verzoek verdwijnen van dit scherm."));
    var refs = [];
    state.messages.forEach(function (m) { if (m.from === "bot") refs = refs.concat(references(m.text || "")); });
    if (refs.length) {  // a registered request stays registered, but its reference is then off screen
      confirmText.appendChild(document.createTextNode(" Je verzoek blijft geregistreerd. Noteer eerst je referentie: "));
      confirmText.appendChild(el("span", { class: "ref" }, refs[refs.length - 1]));
      confirmText.appendChild(document.createTextNode("."));
    }
    confirmBox.hidden = false;
    [log, form, notice, typing, status].forEach(function (part) { part.inert = true; });
    confirmNo.focus();  // the safe choice first
  }

  function closeConfirm() {
    confirmBox.hidden = true;
    [log, form, notice, typing, status].forEach(function (part) { part.inert = false; });
  }

  restart.addEventListener("click", openConfirm);
  confirmNo.addEventListener("click", function () { closeConfirm(); menuButton.focus(); });
  confirmYes.addEventListener("click", function () {
    closeConfirm();
    state = { sender: newSender(), messages: [], open: true };
    showError("");
    setBusy(false);
    save();
    render();
    greet();
    focusComposer();
  });

  // ---- opening, closing, keyboard ----------------------------------------------------------------
  function open(restoring) {
    state.open = true;
    save();
    hideTeaser(true);
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcherLabel.textContent = "Sluit chat";
    render();
    greet();
    if (!restoring) focusComposer();  // after a reload the page keeps its own focus
  }

  function shut() {
    closeMenu(false);
    if (!confirmBox.hidden) closeConfirm();
    state.open = false;
    save();
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcherLabel.textContent = "Open chat";
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
  root.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || panel.hidden) return;
    event.preventDefault();
    if (!menu.hidden) closeMenu(true);                                         // first the menu,
    else if (!confirmBox.hidden) { closeConfirm(); menuButton.focus(); }       // then the question,
    else shut();                                                               // then the panel
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    input.value = "";
    grow();
    submit(text);
  });
  input.addEventListener("input", grow);
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
