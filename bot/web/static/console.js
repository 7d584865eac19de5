/* Privacybot console: the few things a transcript does better with a script. Everything also
 * works without it (plain links and forms); the console's policy allows only this file
 * (script-src 'self'), no inline script or style, and all text is set as text.
 *
 * - Intent filter: a search box above each annotation dropdown narrows its ~80 labels by name
 *   or meaning.
 * - Technical lines (slots, actions, forms): the "Technische regels verbergen" link is a plain
 *   link (?technisch=verbergen); with this script it toggles in place and the choice is kept
 *   per browser (localStorage), so the next transcript opens the same way.
 * - Keyboard shortcuts, documented on the page, never while typing in a field:
 *   j / k next / previous message, n next unreviewed conversation, r reviewed on/off (saved),
 *   t technical lines on/off.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "privacybot.console.technisch";

  function remembered() {
    try { return window.localStorage.getItem(STORAGE_KEY); } catch (e) { return null; }
  }

  function remember(value) {
    try { window.localStorage.setItem(STORAGE_KEY, value); } catch (e) { /* private mode: no memory */ }
  }

  // ---- intent filter ---------------------------------------------------------------------------
  function words(text) {
    return text.toLowerCase().split(/\s+/).filter(Boolean);
  }

  function filterSelect(select, query) {
    var needles = words(query);
    var firstShown = null;
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) { return; }  // "— kies de juiste intent —" stays
      var haystack = (option.value + " " + option.textContent + " " + (option.title || "")).toLowerCase();
      var shown = needles.every(function (needle) { return haystack.indexOf(needle) !== -1; });
      option.hidden = !shown;
      if (shown && firstShown === null) { firstShown = option; }
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      group.hidden = !Array.prototype.some.call(group.children, function (option) { return !option.hidden; });
    });
    var selected = select.options[select.selectedIndex];
    if (needles.length && firstShown && (!selected || selected.hidden || !selected.value)) {
      select.value = firstShown.value;
    }
    return firstShown;
  }

  function addFilter(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "intent-filter";
    box.placeholder = "zoek op naam of betekenis";
    box.setAttribute("aria-label", "Intents filteren");
    box.setAttribute("aria-controls", select.id);
    box.autocomplete = "off";
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () { filterSelect(select, box.value); });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {  // Enter picks from the list; it does not submit a guess
        event.preventDefault();
        select.focus();
      }
    });
    var details = select.closest("details");
    if (details) {
      details.addEventListener("toggle", function () { if (details.open) { box.focus(); } });
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("select[data-filter=intents]"), addFilter);

  // ---- technical lines ---------------------------------------------------------------------------
  var transcript = document.getElementById("transcript");
  var toggle = document.getElementById("technical-toggle");

  function technicalHidden() {
    return transcript.classList.contains("hide-technical");
  }

  function hideTechnical(hide) {
    transcript.classList.toggle("hide-technical", hide);
    toggle.textContent = hide ? toggle.getAttribute("data-show") : toggle.getAttribute("data-hide");
    var query = new URLSearchParams(window.location.search);
    query.set("technisch", hide ? "tonen" : "verbergen");
    toggle.setAttribute("href", "?" + query.toString());
    // The forms on the page bring staff back to the same view after saving.
    Array.prototype.forEach.call(document.querySelectorAll("form[action^='/conversations/']"), function (form) {
      var field = form.querySelector("input[name=technisch]");
      if (hide && !field) {
        field = document.createElement("input");
        field.type = "hidden";
        field.name = "technisch";
        field.value = "verbergen";
        form.appendChild(field);
      } else if (!hide && field) {
        field.parentNode.removeChild(field);
      }
    });
  }

  function switchTechnical() {
    var hide = !technicalHidden();
    hideTechnical(hide);
    remember(hide ? "verbergen" : "tonen");
  }

  if (transcript && toggle) {
    var asked = new URLSearchParams(window.location.search).get("technisch");
    if (asked === "verbergen" || asked === "tonen") {
      remember(asked);  // a click on the link without the script's help, or a shared link
    } else if (remembered() === "verbergen" && !technicalHidden()) {
      hideTechnical(true);
    }
    toggle.addEventListener("click", function (event) {
      event.preventDefault();
      switchTechnical();
    });
  }

  // ---- keyboard shortcuts ---------------------------------------------------------------------------
  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toUpperCase();
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function messages() {
    return Array.prototype.filter.call(transcript.querySelectorAll("li[tabindex]"), function (item) {
      return item.offsetParent !== null;
    });
  }

  function move(step) {
    var items = messages();
    if (!items.length) { return; }
    var current = document.activeElement ? document.activeElement.closest("#transcript > li") : null;
    var index = items.indexOf(current);
    var next = index === -1 ? (step > 0 ? 0 : items.length - 1) : Math.min(Math.max(index + step, 0), items.length - 1);
    items[next].focus();
  }

  function toggleReviewed() {
    var box = document.getElementById("reviewed");
    var form = document.getElementById("review-form");
    if (!box || !form) { return; }
    box.checked = !box.checked;
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  if (transcript) {
    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
      var handled = true;
      if (event.key === "j") { move(1); }
      else if (event.key === "k") { move(-1); }
      else if (event.key === "n") {
        var next = document.getElementById("next-unreviewed");
        if (next) { window.location.assign(next.href); } else { handled = false; }
      }
      else if (event.key === "r") { toggleReviewed(); }
      else if (event.key === "t" && toggle) { switchTechnical(); }
      else { handled = false; }
      if (handled) { event.preventDefault(); }
    });
    // Back from saving an annotation (#e<id>): keep the keyboard where the eyes are.
    var anchored = /^#e\d+$/.test(window.location.hash) ? document.getElementById(window.location.hash.slice(1)) : null;
    if (anchored && anchored.hasAttribute("tabindex")) { anchored.focus(); }
  }
})();
