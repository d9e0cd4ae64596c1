/* qualcode workbench: helpers shared by every page (plain JavaScript, no build step).
   Text from the project only ever reaches the page through textContent, never innerHTML. */
"use strict";

const QC = (() => {
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "text") el.textContent = QCUtil.text(v);
      else if (k === "style") el.style.cssText = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(QCUtil.text(c)));
    }
    return el;
  }

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(method, url, body) {
    const opts = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(url, opts);
    } catch (e) {
      throw new ApiError(0, "the server does not answer (is `qualcode open` still running?)");
    }
    let data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    if (!resp.ok) {
      throw new ApiError(resp.status, (data && data.error) || ("the server answered " + resp.status));
    }
    return data;
  }

  let flashTimer = null;
  function flash(message, kind) {
    const el = document.getElementById("flash");
    if (!el) return;
    el.textContent = message;
    el.className = "flash " + (kind || "info");
    el.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => { el.hidden = true; }, kind === "error" ? 12000 : 4000);
  }

  function pageData() {
    const el = document.getElementById("page-data");
    return el ? JSON.parse(el.textContent) : {};
  }

  const { fmt, offsets } = QCUtil;   // pure helpers: util.js
  /* How numbers are written: the digits and the missing mark of qualcode.formatting, sent with
     every page (base.html), so a kappa reads the same here, in the report and on the command line. */
  (() => {
    const el = document.getElementById("number-format");
    if (el) QCUtil.setNumberFormat(JSON.parse(el.textContent));
  })();

  /* el.replaceChildren without the DOM's habit of writing null as "null" */
  function fill(el, ...children) {
    el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false)
      .map((c) => (c instanceof Node ? c : document.createTextNode(QCUtil.text(c)))));
    return el;
  }

  async function modelPill() {
    const pill = document.getElementById("model-pill");
    if (!pill) return null;
    try {
      const m = await api("GET", "/api/model");
      pill.hidden = m.status === "off";
      const label = m.status === "training" ? "model: retraining…" :
        m.status === "failed" ? "model: retraining failed" :
        m.status === "waiting" ? "model: starting…" :
        `model: ${m.suggesting} code${m.suggesting === 1 ? "" : "s"} suggesting`;
      pill.textContent = label;
      pill.className = "pill " + m.status;
      pill.title = m.error || (m.trained_at ? `trained ${m.trained_at} in ${m.seconds} s on ${m.codings} codings` : "");
      document.dispatchEvent(new CustomEvent("qc-model", { detail: m }));
      return m;
    } catch (e) { return null; }
  }

  function isTyping(ev) {
    const t = ev.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  return { h, fill, api, ApiError, flash, pageData, fmt, offsets, modelPill, isTyping };
})();

document.addEventListener("DOMContentLoaded", () => {
  QC.modelPill();
  setInterval(QC.modelPill, 5000);
});
