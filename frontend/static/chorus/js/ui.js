/* Page helpers shared by the page scripts: building elements, the status line, text and number
 * formatting, canvas sizing, keyboard-shortcut checks and the training job states.
 *
 * Plain script (no build step): it defines window.Chorus.ui. Pages load it after api.js (and
 * wav.js) and before chart.js and their own script; it needs nothing but the DOM.
 */
(function () {
  "use strict";

  const Chorus = (window.Chorus = window.Chorus || {});

  const DASH = "–";
  // Dates and numbers in the page's language (<html lang>, set from the language Django chose).
  const LOCALE = document.documentElement.lang || undefined;
  const dateFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short" });
  const integerFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });

  // ---- elements ------------------------------------------------------------------------------

  const byId = (id) => document.getElementById(id);

  /** node("a", {href, textContent}, ...children): an element with these properties and children. */
  function node(tag, props = {}, ...children) {
    const element = Object.assign(document.createElement(tag), props);
    element.append(...children);
    return element;
  }

  /**
   * The `say(message, kind = "info", action = null)` of a status line: its text and data-kind, and
   * after the text a link (action {href, text}) or a button (action {text, onClick}).
   * With `hideWhenEmpty` the line is hidden while it says nothing.
   */
  function statusLine(element, { hideWhenEmpty = false } = {}) {
    return function say(message, kind = "info", action = null) {
      element.dataset.kind = kind;
      element.textContent = message;
      if (hideWhenEmpty) element.hidden = !message;
      if (action && action.href) {
        const a = document.createElement("a");
        a.href = action.href;
        a.textContent = action.text;
        element.append(" ", a);
      } else if (action && action.onClick) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "button inline";
        b.textContent = action.text;
        b.addEventListener("click", action.onClick);
        element.append(" ", b);
      }
    };
  }

  /** Show a message in an element that is hidden while the message is empty (a form's error line). */
  function showText(element, message) {
    element.textContent = message;
    element.hidden = !message;
  }

  // ---- text and numbers ----------------------------------------------------------------------

  /** "could not reach it" -> "Could not reach it.": a capital first letter and a closing stop. */
  function sentence(text) {
    const t = String(text).trim();
    return t ? t[0].toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? "" : ".") : "";
  }

  const isMissing = (value) => value === null || value === undefined || value === "";

  /** 0.9975 -> "99.75 %" (digits after the point), or "–". */
  function percent(value, digits = 1) {
    return isMissing(value) ? DASH : `${(Number(value) * 100).toFixed(digits)} %`;
  }

  function bytes(value) {
    if (isMissing(value)) return DASH;
    const n = Number(value);
    return n >= 1024 ? `${integerFormat.format(n)} bytes (${(n / 1024).toFixed(1)} KiB)` : `${integerFormat.format(n)} bytes`;
  }

  function integer(value) {
    return isMissing(value) ? DASH : integerFormat.format(Number(value));
  }

  function date(iso) {
    return isMissing(iso) ? DASH : dateFormat.format(new Date(iso));
  }

  /** Seconds in words: "45 s", "3 min 20 s", "2 h 5 min". */
  function duration(seconds) {
    const s = Math.max(0, Math.round(Number(seconds)));
    if (s < 60) return `${s} s`;
    if (s < 3600) return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
    const minutes = Math.round((s % 3600) / 60);
    return minutes ? `${Math.floor(s / 3600)} h ${minutes} min` : `${Math.floor(s / 3600)} h`;
  }

  /** 1.5 -> "1.50" in English, "1,50" in French: fixed digits in the page's language. */
  function number(value, digits = 2) {
    return new Intl.NumberFormat(LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false }).format(value);
  }

  /** A clip's length: 1.5 -> "1.50 s". */
  function seconds(value, digits = 2) {
    return `${number(value, digits)} s`;
  }

  // ---- canvas --------------------------------------------------------------------------------

  /**
   * Size a canvas's pixels to its CSS box at the device pixel ratio. Returns the ratio, the CSS
   * width and height, and whether the pixel size changed (which also clears the canvas).
   */
  function fitCanvas(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const box = canvas.getBoundingClientRect();
    const w = Math.max(1, Math.round(box.width * ratio));
    const h = Math.max(1, Math.round(box.height * ratio));
    const resized = canvas.width !== w || canvas.height !== h;
    if (resized) {
      canvas.width = w;
      canvas.height = h;
    }
    return { ratio, width: box.width, height: box.height, resized };
  }

  // ---- keyboard shortcuts --------------------------------------------------------------------

  /** A key press shortcuts leave alone: already handled, auto-repeated, or with Alt, Ctrl or Meta. */
  function ignoredKey(event) {
    return event.defaultPrevented || event.repeat || event.altKey || event.ctrlKey || event.metaKey;
  }

  /** The element a key press is for: its target, or the body. */
  function keyTarget(event) {
    return event.target instanceof Element ? event.target : document.body;
  }

  /** True for a form field, where keys are typing rather than shortcuts. */
  function inField(element) {
    return Boolean(element.closest("input, textarea, select, [contenteditable='true']"));
  }

  /** One-character keys in lower case ("p"), named keys as they are ("Enter"). */
  function keyName(event) {
    return event.key.length === 1 ? event.key.toLowerCase() : event.key;
  }

  // ---- training jobs -------------------------------------------------------------------------

  const ACTIVE_JOB_STATES = new Set(["queued", "running"]);
  const JOB_STATE_LABELS = { queued: "Queued", running: "Running", succeeded: "Succeeded", failed_quality: "Finished - failed quality check", failed: "Failed", cancelled: "Cancelled" };

  Chorus.ui = {
    DASH,
    dateFormat,
    byId,
    node,
    statusLine,
    showText,
    sentence,
    isMissing,
    percent,
    bytes,
    integer,
    date,
    duration,
    number,
    seconds,
    fitCanvas,
    ignoredKey,
    keyTarget,
    inField,
    keyName,
    ACTIVE_JOB_STATES,
    JOB_STATE_LABELS,
  };
})();
