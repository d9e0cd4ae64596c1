/* qualcode workbench, home: the learner's per-code figures (where each comes from, κ with its
   interval, precision, n), this project's learning curve, the gate and the chat model settings,
   refreshed while it retrains. */
"use strict";
(() => {
  const { h, api, flash, pageData, fmt } = QC;
  const data = pageData();
  // widths and colours set through the CSSOM: the Content-Security-Policy refuses style="" markup
  document.querySelectorAll("[data-width]").forEach((el) => { el.style.width = `${+el.dataset.width}%`; });
  document.querySelectorAll(".swatch[data-color]").forEach((el) => { el.style.background = el.dataset.color; });
  const names = new Map(data.codebook.map((c) => [c.id, c]));
  const tbody = document.querySelector("#model-table tbody");
  const status = document.getElementById("model-status");
  const form = document.getElementById("model-settings");
  const more = document.getElementById("model-more");
  const curveBox = document.getElementById("model-curve");
  let showAllRows = false;
  let last = null;

  const SOURCE = { project: "your coding", codebook: "codebook" };
  const SOURCE_TITLE = {
    project: "cross-validated on your own coding: the machine was checked on interviews it did not learn from",
    codebook: "estimated on the codebook's own examples; no coding of yours yet",
  };

  function kappaCell(c) {
    const td = h("td", { class: "num interval", text: fmt(c.kappa) });
    if (c.kappa_low !== null && c.kappa_low !== undefined && c.kappa_high !== null && c.kappa_high !== undefined) {
      td.append(h("span", { class: "ci", text: `[${fmt(c.kappa_low)}, ${fmt(c.kappa_high)}]`, title: "90% interval (bootstrap over interviews)" }));
    }
    return td;
  }

  function chip(c) {
    if (c.state === "suggesting" && c.label && c.label.startsWith("unmeasured")) return h("span", { class: "state unmeasured", text: "unmeasured", title: c.label });
    if (c.state === "suggesting") return h("span", { class: "state suggesting", text: "suggesting", title: c.label || "suggesting" });
    return h("span", { class: "state needs", text: c.state === "not coded yet" ? "not coded" : "needs more", title: c.state });
  }

  function drawCurve(points) {
    curveBox.querySelectorAll("svg").forEach((s) => s.remove());
    if (!points || points.length < 2) { curveBox.hidden = true; return; }
    curveBox.hidden = false;
    const W = 260, H = 90, P = 22;
    const xmax = Math.max(...points.map((p) => p.codings), 1);
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "kappa by number of hand codings");
    const el = (tag, attrs, text) => {
      const e = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
      if (text !== undefined) e.textContent = text;
      svg.append(e);
      return e;
    };
    const x = (v) => P + (v / xmax) * (W - P - 6);
    const y = (k) => H - P + 6 - Math.max(0, Math.min(1, k)) * (H - P - 6);
    el("line", { x1: P, y1: y(0), x2: W - 6, y2: y(0), stroke: "#999" });
    el("line", { x1: P, y1: y(0), x2: P, y2: y(1), stroke: "#999" });
    el("text", { x: 2, y: y(1) + 4, "font-size": 9 }, "1");
    el("text", { x: 2, y: y(0) + 3, "font-size": 9 }, "0");
    el("text", { x: W - 6, y: H - 2, "font-size": 9, "text-anchor": "end" }, `${xmax} codings`);
    el("polyline", { fill: "none", stroke: "#4e79a7", "stroke-width": 2, points: points.map((p) => `${x(p.codings)},${y(p.kappa)}`).join(" ") });
    for (const p of points) el("circle", { cx: x(p.codings), cy: y(p.kappa), r: 2.5, fill: "#4e79a7" }).append(Object.assign(document.createElementNS(ns, "title"), { textContent: `${p.codings} codings: κ ${fmt(p.kappa)}` }));
    curveBox.append(svg);
  }

  function draw(m) {
    last = m;
    if (!m || m.status === "off") {
      status.textContent = "Retraining is off for this server (qualcode open --no-train).";
      tbody.replaceChildren();
      more.hidden = true;
      return;
    }
    const when = m.trained_at ? `Last trained ${m.trained_at} in ${Number(m.seconds).toFixed(1)} s on ${m.codings} codings in ${m.documents} interviews.` : "";
    const gateText = m.show_all ? " Show everything is on: every code with a model suggests, labelled unmeasured." :
      ` A code suggests when its κ is at least ${fmt(m.kappa_floor)} (the floor cannot go below ${fmt(m.kappa_minimum)} without "show everything").`;
    status.textContent = (m.status === "training" ? "Retraining in the background… " : m.status === "waiting" ? "Starting… " :
      m.status === "failed" ? `Retraining failed: ${m.error}. ` : "") + when + gateText + (m.note ? " " + m.note + "." : "");
    const order = (c) => (c.state === "suggesting" ? 0 : c.n > 0 ? 1 : 2);
    const all = (m.codes || []).slice().sort((a, b) => order(a) - order(b) || b.n - a.n || (b.kappa || -2) - (a.kappa || -2));
    const shown = showAllRows ? all : all.filter((c) => c.n > 0 || c.state === "suggesting");
    tbody.replaceChildren(...shown.map((c) => {
      const code = names.get(c.code) || { name: c.code, color: "#888888" };
      return h("tr", {},
        h("td", { class: "code-cell", title: `${code.name} (${c.code})` },
          h("span", { class: "swatch", style: `background:${code.color};margin-right:.4rem` }), code.name,
          h("span", { class: "source", text: SOURCE[c.source] ? `from ${SOURCE[c.source]}` : "not measured yet", title: SOURCE_TITLE[c.source] || "not measured yet" })),
        h("td", { class: "num", text: c.n }), kappaCell(c), h("td", { class: "num", text: fmt(c.precision) }),
        h("td", {}, chip(c)));
    }));
    if (!shown.length) tbody.append(h("tr", {}, h("td", { colspan: 5, class: "muted", text: "Nothing to show yet: open a document and code a few passages." })));
    more.hidden = all.length === shown.length && !showAllRows;
    more.textContent = showAllRows ? "Show only coded and suggesting codes" : `Show all ${all.length} codes`;
    drawCurve(m.curve);
    if (document.activeElement !== form.kappa_floor) form.kappa_floor.value = m.kappa_floor;
    if (document.activeElement !== form.min_examples) form.min_examples.value = m.min_examples;
    if (document.activeElement !== form.show_all) form.show_all.checked = !!m.show_all;
    const measured = document.getElementById("llm-measured");
    if (m.llm) {
      measured.textContent = m.llm.error ? `The chat model did not answer: ${m.llm.error}` :
        `${m.llm.model}: asked about ${m.llm.asked} passages this retrain; κ ${fmt(m.llm.kappa)}, precision ${fmt(m.llm.precision)} on ${m.llm.measured_on} passages you coded.`;
    } else measured.textContent = "";
  }

  more.addEventListener("click", () => { showAllRows = !showAllRows; draw(last); });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      draw(await api("PUT", "/api/model/settings", { kappa_floor: parseFloat(form.kappa_floor.value), min_examples: parseInt(form.min_examples.value, 10), show_all: form.show_all.checked }));
      flash("Saved; retraining with the new settings");
    } catch (e) { flash(e.message, "error"); }
  });
  document.getElementById("retrain").addEventListener("click", async () => {
    try { draw(await api("POST", "/api/model/retrain", {})); flash("Retraining in the background"); } catch (e) { flash(e.message, "error"); }
  });

  const llmForm = document.getElementById("llm-form");
  function drawLlm(c) {
    llmForm.enabled.checked = c.enabled;
    llmForm.url.value = c.url;
    llmForm.model.value = c.model;
    llmForm.budget.value = c.budget;
    llmForm.allow_remote.checked = c.allow_remote;
    document.querySelector("#llm-panel summary").textContent = c.enabled ? `Chat model: ${c.model} at ${c.url}` : "Chat model (off)";
    document.getElementById("llm-sends").textContent = c.local ? "The server is on this machine: nothing leaves it." : `Remote server: ${c.sends}.`;
    document.getElementById("llm-how").textContent = c.how_to_start;
  }
  llmForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      drawLlm(await api("PUT", "/api/model/llm", { enabled: llmForm.enabled.checked, url: llmForm.url.value, model: llmForm.model.value, budget: parseInt(llmForm.budget.value, 10), allow_remote: llmForm.allow_remote.checked }));
      flash("Saved; the chat model is asked at the next retrain");
    } catch (e) { flash(e.message, "error"); }
  });
  api("GET", "/api/model/llm").then(drawLlm).catch(() => {});

  draw(data.model);
  setInterval(async () => { try { draw(await api("GET", "/api/model")); } catch (e) { /* shown by the pill */ } }, 4000);
})();
