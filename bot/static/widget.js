/*
 * Duta chat widget. Embed with one tag (docs/widget.md):
 *   <script src="https://HOST/widget.js" data-lang="auto" data-title="Duta"
 *           data-color="#9b1c1c" data-position="right" data-mission="kbri-tokyo" async></script>
 *
 * Plain JavaScript, no framework, no build step. Everything lives in a closed-over scope and a
 * Shadow DOM, so the host page's CSS cannot restyle the widget and the widget's CSS cannot leak
 * into the page. Server data is only ever put into the page with textContent and DOM APIs.
 */
(function () {
  "use strict";

  // Pasting the snippet twice (or a CMS adding it per block) must not make two launchers.
  if (window.__dutaWidget) return;
  window.__dutaWidget = true;

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script || !window.fetch || !HTMLElement.prototype.attachShadow) return;

  // The API lives next to this file: https://HOST/widget.js -> https://HOST/api/chat (also under
  // a path prefix such as https://HOST/duta/widget.js -> https://HOST/duta/api/chat).
  var API_URL = new URL("api/chat", script.src).href;
  var FORGET_URL = new URL("api/forget", script.src).href;
  var RATE_URL = new URL("api/feedback", script.src).href;
  // The gateway lets a refused site read this one refusal (bot/middlewares.py, cors).
  var PROBE_URL = new URL("api/origin", script.src).href;
  var STORE_KEY = "duta.widget.v1";
  var LANG_KEY = "duta.widget.lang";
  var OPEN_KEY = "duta.widget.open";
  var MAX_ITEMS = 60; // transcript entries kept in localStorage
  var TIMEOUT_MS = 45000; // a little over the gateway's own 30 s wait for Rasa
  var PROBE_TIMEOUT_MS = 10000; // the probe needs no upstream: it answers at once or not at all

  // The interface's words, by language: bot/texts.yml's widget_* texts, put here by the gateway
  // when it serves this file (bot/widget_routes.py).
  var STRINGS = /* widget strings */ null;

  // ---- settings from the script tag ----

  var data = script.dataset;
  var title = (data.title || "").trim().slice(0, 60) || "Duta";
  var accent = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(data.color || "") ? data.color : "#9b1c1c";
  var side = data.position === "left" ? "left" : "right";
  // The embassy whose site this is (content/missions.yml id): the place Duta assumes when a
  // visitor asks for help without naming where they are.
  var mission = /^[a-z][a-z0-9-]{1,63}$/.test(data.mission || "") ? data.mission : null;
  var lang = asLang(storage("localStorage", "get", LANG_KEY)) || asLang(data.lang) || pageLang();

  function asLang(value) {
    var code = String(value || "").toLowerCase().split("-")[0];
    if (code === "in") code = "id"; // old ISO code for Indonesian, still seen on Android
    return Object.prototype.hasOwnProperty.call(STRINGS, code) ? code : null;
  }

  function pageLang() {
    var langs = [document.documentElement.lang].concat(navigator.languages || []);
    for (var i = 0; i < langs.length; i++) if (asLang(langs[i])) return asLang(langs[i]);
    return "id"; // most people who ask Kemlu's services are Indonesian citizens
  }

  // Interface strings in the panel's language, or in `inLang` (an answer's own language: its
  // "Sources:" label and dates follow the answer, not the panel).
  function t(key, inLang) {
    return STRINGS[asLang(inLang) || lang][key];
  }

  // ---- storage ----

  // Storage throws in some private modes and when a site's cookies are blocked (even reading
  // window.localStorage does): the widget then still works, it just forgets the conversation.
  function storage(areaName, op, key, value) {
    try {
      var area = window[areaName];
      if (op === "get") return area.getItem(key);
      if (op === "set") area.setItem(key, value);
      if (op === "del") area.removeItem(key);
    } catch (e) {
      /* unavailable */
    }
    return null;
  }

  var memoryState = null;

  function loadState() {
    var state = memoryState;
    try {
      state = JSON.parse(storage("localStorage", "get", STORE_KEY)) || state;
    } catch (e) {
      /* corrupt entry: start over */
    }
    if (!state || typeof state.sender !== "string" || !Array.isArray(state.items)) {
      state = { sender: newSenderId(), items: [] };
    }
    return state;
  }

  function saveState(state) {
    state.items = state.items.slice(-MAX_ITEMS);
    memoryState = state;
    storage("localStorage", "set", STORE_KEY, JSON.stringify(state));
  }

  // Read-modify-write, so two tabs of the same site add to one transcript instead of overwriting.
  function addItem(item) {
    var state = loadState();
    state.items.push(item);
    saveState(state);
    return state;
  }

  function newSenderId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "w-" + Array.prototype.map.call(bytes, function (b) {
      return (b + 256).toString(16).slice(1);
    }).join("");
  }

  // ---- colours ----

  function luminance(hex) {
    var h = hex.slice(1);
    if (h.length === 3) h = h.replace(/./g, "$&$&");
    return [0, 2, 4].map(function (i) {
      var c = parseInt(h.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }).reduce(function (sum, c, i) {
      return sum + c * [0.2126, 0.7152, 0.0722][i];
    }, 0);
  }

  function contrast(a, b) {
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }

  // Any site colour must stay readable (WCAG 4.5:1): text and links on the accent are white or
  // black, whichever contrasts more (pure black: near-black falls below 4.5:1 on mid greys), and
  // links on white fall back to a dark blue when the accent is too light.
  var accentLum = luminance(accent);
  var onAccent = contrast(accentLum, 1) >= contrast(accentLum, 0) ? "#ffffff" : "#000000";
  var linkColor = contrast(accentLum, 1) >= 4.5 ? accent : "#0b4f9c";

  // ---- DOM helpers ----

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    for (var name in attrs || {}) {
      if (name === "text") el.textContent = attrs[name];
      else if (name === "on") for (var ev in attrs.on) el.addEventListener(ev, attrs.on[ev]);
      else if (attrs[name] !== null && attrs[name] !== undefined) el.setAttribute(name, attrs[name]);
    }
    (children || []).forEach(function (child) {
      if (child) el.appendChild(child);
    });
    return el;
  }

  var ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    close: "M6 6l12 12M18 6L6 18",
    send: "M4 12l16-8-6 16-2.5-6.5z",
    reset: "M4 12a8 8 0 1 0 2.3-5.7M4 4v4h4",
    trash: "M4 7h16M10 11v6M14 11v6M9 7V4h6v3M6 7l1 13h10l1-13",
    building: "M3 21h18M5 21V9l7-5 7 5v12M9 21v-6h6v6M9 11h.01M15 11h.01",
    // Drawn, not an emoji: systems without an emoji font would show empty boxes.
    thumb: "M3 10h4v11H3zM7 10l4-8c1.5 0 3 1 3 3v4h5a2 2 0 0 1 2 2.3l-1.3 7.7a2 2 0 0 1-2 1.7H7"
  };

  function icon(name) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  // Plain text, with bare http(s) URLs turned into links built with DOM APIs (never parsed HTML).
  function appendText(parent, text) {
    var re = /https?:\/\/[^\s<>"']+/g;
    var last = 0;
    var match;
    while ((match = re.exec(text))) {
      var url = match[0].replace(/[.,;:!?)\]]+$/, "");
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      parent.appendChild(link(url, url) || document.createTextNode(url));
      last = match.index + url.length;
      re.lastIndex = last;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // Only absolute http(s) URLs become links: javascript:, data: and the like stay plain text.
  function link(href, label) {
    var url;
    try {
      url = new URL(String(href));
    } catch (e) {
      return null;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    var a = h("a", { href: url.href, target: "_blank", rel: "noopener noreferrer" });
    a.textContent = label;
    a.appendChild(h("span", { class: "sr", text: " " + t("newTab") }));
    return a;
  }

  function formatDate(value, inLang) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value || "")) return value || "";
    var date = new Date(value + "T00:00:00Z");
    if (isNaN(date)) return value;
    return date.toLocaleDateString(t("locale", inLang), {
      day: "numeric", month: "long", year: "numeric", timeZone: "UTC"
    });
  }

  // ---- styles ----

  var CSS = [
    // `all: initial` stops inherited page styles (font, colour, letter-spacing, ...) at the host;
    // !important makes it win over the page's own rules for this element (CSS Scoping cascade).
    ":host{all:initial!important;display:block!important;position:static!important}",
    "*,*::before,*::after{box-sizing:border-box}",
    "[hidden]{display:none!important}",
    ".root{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;",
    "color:#1f2328;-webkit-font-smoothing:antialiased}",
    "button,textarea{font:inherit;color:inherit;margin:0}",
    "button{cursor:pointer}",
    ".sr{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);",
    "white-space:nowrap;border:0;padding:0;margin:-1px}",
    "svg{width:22px;height:22px;fill:none;stroke:currentColor;stroke-width:2;",
    "stroke-linecap:round;stroke-linejoin:round}",
    ":focus-visible{outline:3px solid #1a73e8;outline-offset:2px}",
    ".launcher{position:fixed;bottom:24px;%SIDE%:24px;z-index:2147483000;width:60px;height:60px;",
    "border-radius:50%;border:2px solid #fff;background:%ACCENT%;color:%ON%;display:flex;",
    "align-items:center;justify-content:center;box-shadow:0 4px 16px rgba(0,0,0,.3)}",
    ".launcher svg{width:28px;height:28px}",
    ".launcher[aria-expanded=true] .i-chat,.launcher[aria-expanded=false] .i-close{display:none}",
    ".panel{position:fixed;bottom:100px;%SIDE%:24px;z-index:2147483000;width:400px;",
    "height:min(620px,calc(100vh - 124px));display:flex;flex-direction:column;background:#fff;",
    "border-radius:14px;overflow:hidden;border:1px solid #d0d7de;",
    "box-shadow:0 12px 40px rgba(0,0,0,.25)}",
    ".head{background:%ACCENT%;color:%ON%;padding:12px 12px 12px 16px;display:flex;gap:8px;",
    "align-items:center}",
    ".brand{flex:1;min-width:0}",
    ".title{font-size:17px;font-weight:700;margin:0;line-height:1.25;overflow-wrap:anywhere}",
    ".sub{font-size:13px;margin:2px 0 0;opacity:.92}",
    ".tools{display:flex;gap:4px;align-items:center}",
    ".langs{display:flex;border:1px solid currentColor;border-radius:8px;overflow:hidden}",
    ".langs button{background:transparent;border:0;padding:5px 8px;font-size:13px;",
    "font-weight:600;min-height:32px}",
    ".icon{background:transparent;border:0;width:36px;height:36px;border-radius:8px;",
    "display:flex;align-items:center;justify-content:center}",
    ".icon:hover,.langs button:hover{background:rgba(127,127,127,.25)}",
    ".langs button[aria-pressed=true]{background:%ON%;color:%ACCENT%}", // after :hover: stays legible
    ".log{flex:1;overflow-y:auto;margin:0;padding:16px;list-style:none;display:flex;",
    "flex-direction:column;gap:10px;background:#f7f8fa;overscroll-behavior:contain}",
    ".msg{max-width:88%;padding:9px 13px;border-radius:14px;white-space:pre-wrap;",
    "overflow-wrap:anywhere}",
    ".bot{align-self:flex-start;background:#fff;border:1px solid #d8dee4;",
    "border-bottom-left-radius:4px}",
    ".user{align-self:flex-end;background:%ACCENT%;color:%ON%;border-bottom-right-radius:4px}",
    ".error{align-self:stretch;max-width:none;background:#fff4e5;border:1px solid #b45309;",
    "color:#5c2c00}",
    ".msg a{color:%LINK%;text-decoration:underline}",
    ".user a{color:%ON%}", // the visitor's own links: the accent would vanish on the accent
    ".notice{align-self:stretch;max-width:none;background:#eef6ee;border:1px solid #2e6b34;",
    "color:#1b3d1e}",
    ".confirm{padding:10px 12px;background:#fff8e1;border-bottom:1px solid #d0d7de;display:flex;",
    "flex-wrap:wrap;gap:8px;align-items:center}",
    ".confirm p{margin:0;flex:1 1 100%}",
    ".confirm button{border-radius:8px;padding:6px 14px;min-height:36px;font-weight:600;",
    "border:1.5px solid #57606a;background:#fff}",
    ".confirm .danger{background:#b3261e;border-color:#b3261e;color:#fff}",
    ".icon:disabled{opacity:.55;cursor:default}",
    ".srcs{margin:8px 0 0;padding:8px 0 0;border-top:1px solid #d8dee4;font-size:13px;",
    "white-space:normal;color:#444c56}",
    ".srcs ul{margin:2px 0 0;padding-left:18px}",
    ".replies{display:flex;flex-wrap:wrap;gap:6px;align-self:flex-start;max-width:100%}",
    ".chip{background:#fff;color:%LINK%;border:1.5px solid %LINK%;border-radius:18px;",
    "padding:6px 12px;font-size:14px;min-height:36px;text-align:left}",
    ".chip:hover{background:#eef2f6}",
    ".rate{display:flex;gap:6px;align-items:center;font-size:13px}.rate button{background:#fff;",
    "border:1px solid #8c959f;border-radius:8px;min-width:40px;min-height:32px}",
    ".rate [aria-pressed=true]{border:2px solid %LINK%;color:%LINK%}",
    ".rate svg{width:18px;height:18px;display:block;margin:auto}",
    ".rate button+button svg{transform:rotate(180deg)}",
    ".dots{display:inline-flex;gap:4px;padding:4px 0}",
    ".dots i{width:7px;height:7px;border-radius:50%;background:#57606a;",
    "animation:duta-b 1.2s infinite ease-in-out}",
    ".dots i:nth-child(2){animation-delay:.15s}.dots i:nth-child(3){animation-delay:.3s}",
    "@keyframes duta-b{0%,80%,100%{opacity:.3;transform:none}40%{opacity:1;",
    "transform:translateY(-3px)}}",
    "@media (prefers-reduced-motion:reduce){.dots i{animation:none}}",
    ".compose{display:flex;gap:8px;padding:10px 12px;border-top:1px solid #d0d7de;",
    "background:#fff;align-items:flex-end}",
    "textarea{flex:1;resize:none;border:1px solid #8c959f;border-radius:10px;padding:9px 11px;",
    "min-height:42px;max-height:120px;background:#fff;line-height:1.4}",
    "textarea::placeholder{color:#6e7781}",
    ".send{width:42px;height:42px;border-radius:10px;border:0;background:%ACCENT%;color:%ON%;",
    "display:flex;align-items:center;justify-content:center;flex:none}",
    ".send:disabled{opacity:.55;cursor:default}",
    ".note{margin:0;padding:0 12px 8px;font-size:12px;color:#57606a;background:#fff}",
    "@media (max-width:480px){",
    ".panel{inset:0;width:100%;height:100%;border-radius:0;border:0}",
    ".launcher[aria-expanded=true]{display:none}",
    ".msg{max-width:92%}textarea{font-size:16px}}", // 16px: iOS zooms into smaller inputs
    "@media (forced-colors:active){.msg,.chip,.launcher,.send{border:1px solid CanvasText}}",
    "@media print{:host{display:none!important}}"
  ].join("")
    .replace(/%ACCENT%/g, accent)
    .replace(/%ON%/g, onAccent)
    .replace(/%LINK%/g, linkColor)
    .replace(/%SIDE%/g, side);

  // ---- building the widget ----

  var host = document.createElement("duta-widget");
  var shadow = host.attachShadow({ mode: "open" });
  if (shadow.adoptedStyleSheets && window.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype) {
    // A constructed sheet is not an inline <style>, so a strict style-src CSP does not block it.
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    shadow.appendChild(h("style", { text: CSS }));
  }

  var ui = {};
  ui.launcher = h("button", {
    type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "duta-panel",
    on: { click: function () { setOpen(ui.panel.hidden, true); } }
  }, [icon("chat"), icon("close")]);
  ui.launcher.firstChild.setAttribute("class", "i-chat");
  ui.launcher.lastChild.setAttribute("class", "i-close");

  ui.title = h("h2", { class: "title", id: "duta-title", text: title });
  ui.sub = h("p", { class: "sub" });
  ui.langButtons = Object.keys(STRINGS).map(function (code) {
    return h("button", {
      type: "button", lang: code, text: code.toUpperCase(),
      on: { click: function () { setLang(code); } }
    });
  });
  ui.langs = h("div", { class: "langs", role: "group" }, ui.langButtons);
  ui.reset = h("button", { type: "button", class: "icon", on: { click: newConversation } },
    [icon("reset")]);
  ui.forget = h("button", { type: "button", class: "icon", on: { click: askForget } },
    [icon("trash")]);
  ui.close = h("button", {
    type: "button", class: "icon", on: { click: function () { setOpen(false, true); } }
  }, [icon("close")]);
  // On an embassy's own site, its card is one click away (the gateway answers /ask_mission with
  // the data-mission's card).
  ui.mission = mission && h("button", {
    type: "button", class: "icon",
    on: { click: function () { send("/ask_mission", t("ourMission")); } }
  }, [icon("building")]);
  // "Delete my conversation" asks first, inside the panel (no window.confirm: sites may block it).
  ui.confirmText = h("p", { id: "duta-confirm" });
  ui.confirmYes = h("button", {
    type: "button", class: "danger", on: { click: forgetConversation }
  });
  ui.confirmNo = h("button", {
    type: "button", on: { click: function () { closeConfirm(true); } }
  });
  ui.confirm = h("div", { class: "confirm", role: "group", "aria-labelledby": "duta-confirm",
    hidden: "" }, [ui.confirmText, ui.confirmYes, ui.confirmNo]);
  ui.log = h("ol", { class: "log" });
  ui.input = h("textarea", { id: "duta-input", rows: "1", autocomplete: "off" });
  ui.inputLabel = h("label", { class: "sr", for: "duta-input" });
  ui.send = h("button", { type: "submit", class: "send" }, [icon("send")]);
  ui.form = h("form", { class: "compose" }, [ui.inputLabel, ui.input, ui.send]);
  ui.note = h("p", { class: "note" });
  // Announces only the assistant's new replies and errors: not the whole history on page load.
  ui.live = h("div", { class: "sr", "aria-live": "polite", "aria-atomic": "true" });
  ui.panel = h("div", {
    class: "panel", id: "duta-panel", role: "dialog", "aria-labelledby": "duta-title", hidden: ""
  }, [
    h("div", { class: "head" }, [
      h("div", { class: "brand" }, [ui.title, ui.sub]),
      h("div", { class: "tools" }, [ui.langs, ui.mission, ui.reset, ui.forget, ui.close])
    ]),
    ui.confirm, ui.log, ui.form, ui.note, ui.live
  ]);
  ui.root = h("div", { class: "root" }, [ui.launcher, ui.panel]);
  shadow.appendChild(ui.root);

  // ---- behaviour ----

  var waiting = false;
  var typingRow = null;
  var adminTold = false;
  // Where the panel covers the whole page (the max-width rule in CSS), it is a modal dialog.
  var smallScreen = window.matchMedia ? window.matchMedia("(max-width: 480px)") : null;

  function applyStrings() {
    ui.root.setAttribute("lang", lang);
    ui.launcher.setAttribute("aria-label", ui.panel.hidden ? t("open") : t("close"));
    ui.sub.textContent = t("subtitle");
    ui.langs.setAttribute("aria-label", t("language"));
    ui.langButtons.forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.lang === lang));
    });
    [[ui.reset, "newChat"], [ui.forget, "forget"], [ui.close, "close"], [ui.send, "send"],
      [ui.mission, "ourMission"]]
      .forEach(function (pair) {
        if (!pair[0]) return;
        pair[0].setAttribute("aria-label", t(pair[1]));
        pair[0].title = t(pair[1]);
      });
    ui.confirmText.textContent = t("forgetAsk");
    ui.confirmYes.textContent = t("forgetYes");
    ui.confirmNo.textContent = t("forgetNo");
    ui.log.setAttribute("aria-label", t("log"));
    ui.inputLabel.textContent = t("inputLabel");
    ui.input.placeholder = t("placeholder");
    ui.note.textContent = t("note");
  }

  function setLang(code) {
    lang = code;
    storage("localStorage", "set", LANG_KEY, code);
    applyStrings();
    render();
  }

  // `user` is true when the person asked for it: only then does focus move (never on page load).
  function setOpen(open, user) {
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", String(open));
    ui.launcher.setAttribute("aria-label", open ? t("close") : t("open"));
    storage("sessionStorage", open ? "set" : "del", OPEN_KEY, "1");
    if (open) {
      scrollDown();
      if (user) ui.input.focus();
    } else if (user) {
      ui.launcher.focus();
    }
  }

  function coversPage() {
    return !!(smallScreen && smallScreen.matches);
  }

  function applyModal() {
    if (coversPage()) ui.panel.setAttribute("aria-modal", "true");
    else ui.panel.removeAttribute("aria-modal");
  }

  // The visible, enabled controls of the panel, in tab order (the DOM order: no tabindex is used).
  function focusables() {
    return Array.prototype.filter.call(
      ui.panel.querySelectorAll("button, textarea, a[href]"),
      function (el) { return !el.disabled && el.getClientRects().length > 0; }
    );
  }

  // Tab and Shift+Tab go round inside the panel while it covers the page: the page behind it
  // cannot be seen, so focus there would be lost.
  function trapFocus(e) {
    if (e.key !== "Tab" || !coversPage()) return;
    var items = focusables();
    if (!items.length) return;
    var active = shadow.activeElement;
    var at = items.indexOf(active);
    if (e.shiftKey && at <= 0) {
      e.preventDefault();
      items[items.length - 1].focus();
    } else if (!e.shiftKey && (at === items.length - 1 || at < 0)) {
      e.preventDefault();
      items[0].focus();
    }
  }

  function scrollDown() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function announce(text) {
    // Cleared first so the same text twice in a row is still announced.
    ui.live.textContent = "";
    setTimeout(function () { ui.live.textContent = text; }, 50);
  }

  function messageRow(item) {
    var mine = item.from === "user";
    var row = h("li", { class: "msg " + (mine ? "user" : "bot"), lang: item.lang || null }, [
      h("span", { class: "sr", text: t(mine ? "you" : "bot") + " " })
    ]);
    appendText(row, String(item.text || ""));
    var sources = (item.sources || []).filter(function (s) { return s && s.title; });
    if (sources.length) {
      var list = h("ul");
      sources.forEach(function (s) {
        var li = h("li");
        li.appendChild(link(s.url, String(s.title)) || document.createTextNode(String(s.title)));
        if (s.date) {
          li.appendChild(document.createTextNode(" (" + formatDate(String(s.date), item.lang) + ")"));
        } else if (s.accessed) { // an undated page: the day it was read, never as its date
          li.appendChild(document.createTextNode(
            " (" + t("sourceRead", item.lang) + " " + formatDate(String(s.accessed), item.lang) + ")"
          ));
        }
        list.appendChild(li);
      });
      row.appendChild(h("div", { class: "srcs" }, [h("span", { text: t("sources", item.lang) }), list]));
    }
    return row;
  }

  function repliesRow(buttons) {
    var row = h("li", { class: "replies", role: "group", "aria-label": t("replies") });
    buttons.forEach(function (b) {
      if (!b || !b.title) return;
      row.appendChild(h("button", {
        type: "button", class: "chip", text: String(b.title),
        on: {
          click: function () {
            send(String(b.payload || b.title), String(b.title));
            // The chip is gone after the re-render: keep keyboard focus in the widget. Not on
            // touch screens, where focusing the box would pop up the keyboard unasked.
            if (!matchMedia("(pointer: coarse)").matches) ui.input.focus();
          }
        }
      }));
    });
    return row;
  }

  // Thumbs up and down under an answer: one vote, which the other thumb replaces (bot/votes.py).
  function rateRow(item) {
    var row = h("li", { class: "rate", role: "group" });
    ["up", "down"].forEach(function (vote) {
      row.appendChild(h("button", {
        type: "button", "aria-pressed": String(item.vote === vote), "aria-label": t(vote, item.lang),
        title: t(vote, item.lang), on: { click: function () { rate(item, vote, row); } }
      }, [icon("thumb")]));
    });
    row.appendChild(h("span", { text: item.rated || "" }));
    return row;
  }

  async function rate(item, vote, row) {
    var a = await callApi(RATE_URL,
      { sender: loadState().sender, answer_id: item.answer, vote: vote, lang: item.lang });
    var ok = a.body && a.body.vote === vote;
    if (ok) item.vote = vote;
    item.rated = ok ? String(a.body.message)
      : a.failed ? t(a.failed === "refused" ? "notSetUp" : a.failed) : errorText(a, "e4xx");
    updateItem(item.id, function (i) { i.vote = item.vote; i.rated = item.rated; });
    var fresh = rateRow(item);
    row.replaceWith(fresh); // in place, so focus stays on the thumb just pressed
    fresh.children[vote === "up" ? 0 : 1].focus();
    announce(item.rated);
  }

  // An error under the message it belongs to; with "Send again" when retrying can help.
  function errorRow(text, onRetry) {
    var row = h("li", { class: "msg error" }, [document.createTextNode(String(text))]);
    if (onRetry) {
      row.appendChild(document.createTextNode(" "));
      row.appendChild(h("button", {
        type: "button", class: "chip", text: t("retry"), on: { click: onRetry }
      }));
    }
    return row;
  }

  // The whole transcript from storage; cheap at MAX_ITEMS and keeps one code path for page loads,
  // language switches and "new conversation".
  function render() {
    var items = loadState().items;
    ui.log.textContent = "";
    ui.log.appendChild(messageRow({ from: "bot", text: t("welcome"), lang: lang }));
    items.forEach(function (item) {
      ui.log.appendChild(messageRow(item));
      if (item.answer) ui.log.appendChild(rateRow(item));
      // A failed send is kept with its error, so after a reload it can still be sent again.
      if (item.from === "user" && item.error) {
        ui.log.appendChild(errorRow(item.error, item.retry ? function () { retry(item); } : null));
      }
    });
    var last = items[items.length - 1];
    if (!items.length) {
      ui.log.appendChild(repliesRow([{ title: t("menu"), payload: t("menuText") }]));
    } else if (last.from === "bot" && last.buttons && last.buttons.length && !waiting) {
      ui.log.appendChild(repliesRow(last.buttons));
    }
    if (waiting && typingRow) ui.log.appendChild(typingRow);
    scrollDown();
  }

  // `quiet`: busy without the typing dots (deleting the conversation is not Duta typing).
  function setWaiting(on, quiet) {
    waiting = on;
    ui.send.disabled = on;
    ui.forget.disabled = on; // the answer on its way would land in the deleted conversation
    ui.log.setAttribute("aria-busy", String(on));
    if (on && !quiet) {
      typingRow = h("li", { class: "msg bot typing" }, [
        h("span", { class: "dots", "aria-hidden": "true" }, [h("i"), h("i"), h("i")]),
        h("span", { class: "sr", text: t("typing") })
      ]);
      ui.log.appendChild(typingRow);
      scrollDown();
    } else if (typingRow) {
      typingRow.remove();
      typingRow = null;
    }
  }

  // Not stored: errors about no particular message, and notices.
  function showRow(row, text) {
    ui.log.appendChild(row);
    scrollDown();
    announce(text);
  }

  function newItemId() {
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8);
  }

  // `shown` is the quick reply's title when `message` is its payload.
  function send(message, shown) {
    message = message.trim();
    if (!message || waiting) return;
    var item = { from: "user", text: shown || message, id: newItemId() };
    if (shown && shown !== message) item.send = message;
    addItem(item);
    render();
    post(message, item.id);
  }

  // The failed message moves to the end of the conversation and goes out again.
  function retry(item) {
    if (waiting) return;
    var state = loadState();
    state.items = state.items.filter(function (i) { return i.id !== item.id; });
    saveState(state);
    if (item.send) send(item.send, item.text);
    else send(item.text);
  }

  function updateItem(id, change) {
    var state = loadState();
    state.items = state.items.filter(function (item) {
      return item.id !== id || change(item) !== false;
    });
    saveState(state);
  }

  async function post(message, id) {
    var state = loadState();
    setWaiting(true);
    var payload = { sender: state.sender, message: message, lang: lang };
    // Chosen with the ID/EN switch: a preference that holds, not a hint (the switch alone stores it).
    var chosen = asLang(storage("localStorage", "get", LANG_KEY));
    if (chosen) payload.lang_choice = chosen;
    if (mission) payload.mission = mission;
    var result = chatResult(await callApi(API_URL, payload));
    setWaiting(false);
    // "New conversation" was pressed while waiting: this answer belongs to the old one.
    if (loadState().sender !== state.sender) return render();
    if (result.error) {
      updateItem(id, function (item) {
        // Refused as it is (too long, say): out of the transcript, back into the box to edit.
        if (result.restore) return false;
        item.error = result.error;
        item.retry = !!result.retry;
      });
      if (result.restore && !ui.input.value) {
        ui.input.value = message;
        grow();
      }
      render();
      if (result.restore) showRow(errorRow(result.error, null), result.error);
      else announce(result.error);
      return;
    }
    // The visitor asked for a language in words ("answer in English please"): their choice now.
    var asked = asLang(result.body.language_choice);
    if (asked && asked !== chosen) setLang(asked);
    var texts = [];
    var rated = result.body.answer_id;
    result.body.messages.forEach(function (m, n, all) {
      if (!m || typeof m.text !== "string") return;
      addItem({
        from: "bot", text: m.text, lang: result.body.language, id: newItemId(),
        // The thumbs go under the reply's last message.
        answer: n === all.length - 1 && typeof rated === "string" ? rated : undefined,
        buttons: Array.isArray(m.buttons) ? m.buttons.slice(0, 12) : [],
        sources: Array.isArray(m.sources) ? m.sources.slice(0, 8) : []
      });
      texts.push(m.text);
    });
    render();
    announce(t("bot") + " " + texts.join("\n"));
  }

  // POST JSON to the gateway: { status, body } when it answered, { failed } when it did not.
  async function callApi(url, payload) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, TIMEOUT_MS);
    var response;
    try {
      response = await fetch(url, {
        method: "POST",
        mode: "cors",
        credentials: "omit", // no cookies: the sender id in the body is the whole identity
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
        signal: controller ? controller.signal : undefined
      });
    } catch (e) {
      if (e && e.name === "AbortError") return { failed: "timeout" };
      // A refused origin (CORS) also lands here: the browser hides the gateway's 403.
      return (await siteRefused()) ? refused() : { failed: "offline" };
    } finally {
      clearTimeout(timer);
    }
    var body = null;
    try {
      body = await response.json();
    } catch (e) {
      /* not JSON: a proxy's error page, say */
    }
    var code = body && body.error && body.error.code;
    if (response.status === 403 && code === "origin_not_allowed") return refused();
    return { status: response.status, body: body };
  }

  // A simple GET (no preflight) whose 403 the gateway lets this site read (and only that).
  async function siteRefused() {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, PROBE_TIMEOUT_MS);
    try {
      var response = await fetch(PROBE_URL, {
        mode: "cors", credentials: "omit", cache: "no-store",
        signal: controller ? controller.signal : undefined
      });
      var body = await response.json();
      return response.status === 403 && !!body && !!body.error &&
        body.error.code === "origin_not_allowed";
    } catch (e) {
      return false; // really offline, or an older gateway
    } finally {
      clearTimeout(timer);
    }
  }

  function refused() {
    if (!adminTold) {
      adminTold = true;
      // For the site's administrator: the visitor only sees that the site is not set up.
      console.error("Duta widget: the gateway at " + new URL(script.src).origin + " refuses " +
        "this site (" + location.origin + "). Add " + location.origin + " to the gateway's " +
        "ALLOWED_ORIGINS (docs/widget.md).");
    }
    return { failed: "refused" };
  }

  function chatResult(answer) {
    if (answer.failed) {
      var key = answer.failed === "refused" ? "notSetUp" : answer.failed;
      return { error: t(key), retry: answer.failed !== "refused" };
    }
    var status = answer.status;
    var body = answer.body;
    var ok = status >= 200 && status < 300;
    if (ok && body && Array.isArray(body.messages)) return { body: body };
    return {
      error: errorText(answer, status === 403 ? "e403" : status === 413 ? "e413"
        : status === 429 ? "e429" : status >= 500 ? "e5xx" : "e4xx"),
      retry: status === 429 || status >= 500,
      restore: status >= 400 && status < 500 && status !== 429 && status !== 403
    };
  }

  // The gateway's own words (in the visitor's language) when it sent them, else ours.
  function errorText(answer, key) {
    var err = answer.body && answer.body.error;
    return err && typeof err.message === "string" && err.message ? err.message : t(key);
  }

  function newConversation() {
    saveState({ sender: newSenderId(), items: [] });
    ui.input.value = "";
    closeConfirm(false);
    render();
    announce(t("newChatDone"));
    ui.input.focus();
  }

  function askForget() {
    ui.confirm.hidden = false;
    ui.confirmNo.focus(); // the safe choice first
  }

  function closeConfirm(user) {
    ui.confirm.hidden = true;
    if (user) ui.forget.focus();
  }

  // POST /api/forget; only once the gateway confirms is the local copy cleared (else it stays, so
  // the visitor can try again) and a fresh conversation id started.
  async function forgetConversation() {
    if (waiting) return;
    var sender = loadState().sender;
    closeConfirm(false);
    setWaiting(true, true);
    var answer = await callApi(FORGET_URL, { sender: sender });
    setWaiting(false);
    if (answer.body && answer.body.forgotten === true) {
      saveState({ sender: newSenderId(), items: [] });
      ui.input.value = "";
      render();
      showRow(h("li", { class: "msg notice", text: t("forgetDone") }), t("forgetDone"));
      ui.input.focus();
      return;
    }
    var text = answer.failed ? t(answer.failed === "refused" ? "notSetUp" : "forgetFailed")
      : errorText(answer, "forgetFailed");
    render();
    showRow(errorRow(text, null), text);
    ui.forget.focus();
  }

  ui.form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (waiting || !ui.input.value.trim()) return;
    var text = ui.input.value;
    ui.input.value = "";
    grow();
    send(text);
  });

  ui.input.addEventListener("keydown", function (e) {
    // Enter sends, Shift+Enter makes a new line; not while an input method is composing a word.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      ui.form.requestSubmit ? ui.form.requestSubmit() : ui.send.click();
    }
  });

  function grow() {
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(ui.input.scrollHeight + 2, 120) + "px";
  }
  ui.input.addEventListener("input", grow);

  ui.panel.addEventListener("keydown", trapFocus);
  ui.root.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !ui.panel.hidden) {
      e.stopPropagation();
      if (!ui.confirm.hidden) closeConfirm(true);
      else setOpen(false, true);
    }
  });

  if (smallScreen) {
    if (smallScreen.addEventListener) smallScreen.addEventListener("change", applyModal);
    else if (smallScreen.addListener) smallScreen.addListener(applyModal); // Safari < 14
  }

  // Another tab of the same site added to the conversation: show it here too.
  window.addEventListener("storage", function (e) {
    if (e.key === STORE_KEY && !waiting) {
      memoryState = null;
      render();
    }
  });

  applyStrings();
  applyModal();
  render();
  (document.body || document.documentElement).appendChild(host);
  // Still open after a navigation within the site (same tab), without stealing focus.
  if (storage("sessionStorage", "get", OPEN_KEY)) setOpen(true, false);
})();
