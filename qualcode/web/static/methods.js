/* qualcode workbench: the Methods page. Everything comes from /api/methods (the numbers
   `qualcode methods --json` prints); charts are inline SVG with their labels set through
   textContent. */
"use strict";

(() => {
  const { h, api, flash, pageData } = QC;
  const page = pageData();
  const params = page.params || {};
  const NS = "http://www.w3.org/2000/svg";
  const form = document.getElementById("sat-form");

  function s(tag, attrs, text) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    return el;
  }
  const n = (v) => (v === null || v === undefined ? "–" : Number(v).toLocaleString("en-US"));
  const pct = (v) => (v === null || v === undefined ? "–" : (100 * v).toFixed(1) + "%");

  const order = document.getElementById("f-order");
  order.append(...Object.keys(page.attributes || {}).map((a) => h("option", { value: a, text: a })));
  for (const k of ["order", "level", "base", "run", "threshold"]) if (params[k]) document.getElementById("f-" + k).value = params[k];

  function figures(box, items) {
    box.replaceChildren(...items.map(([label, value, key]) => h("div", {}, h("dt", { text: label }), h("dd", { text: value, dataset: { key } }))));
  }

  function table(el, head, rows, empty) {
    if (!rows.length && empty !== undefined) {  // "" = nothing at all
      el.replaceChildren(...(empty ? [h("tbody", {}, h("tr", {}, h("td", { class: "muted", text: empty })))] : []));
      return;
    }
    el.replaceChildren(h("thead", {}, h("tr", {}, ...head.map((c) => h("th", { class: c.num ? "num" : null, text: c.label })))),
      h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((v, i) => h("td", { class: head[i].num ? "num" : null, text: String(v) }))))));
  }

  /* bars (new per interview) and a line (cumulative), x = interviews 1..n */
  function curveChart(box, points, baseSize) {
    const W = 760, H = 260, L = 44, R = 44, T = 16, B = 44;
    const max = Math.max(1, ...points.map((p) => p.cumulative));
    const maxNew = Math.max(1, ...points.map((p) => p.new));
    const step = (W - L - R) / Math.max(1, points.length);
    const y = (v) => T + (H - T - B) * (1 - v / max);
    const svg = s("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img", class: "saturation-curve" });
    svg.append(s("title", {}, "Cumulative distinct codes (line) and new codes (bars) by interview"));
    svg.append(s("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
    svg.append(s("line", { x1: L, x2: L, y1: T, y2: H - B, class: "axis" }));
    for (const t of [0, Math.round(max / 2), max]) svg.append(s("text", { x: L - 6, y: y(t) + 4, "text-anchor": "end" }, String(t)));
    const path = [];
    points.forEach((p, i) => {
      const cx = L + step * (i + 0.5);
      const bh = (H - T - B) * (p.new / max);
      const bar = s("rect", { x: cx - step * 0.3, y: H - B - bh, width: step * 0.6, height: bh, class: "new-bar", "data-new": p.new });
      bar.append(s("title", {}, `${p.interview}. ${p.document}: ${p.new} new, ${p.cumulative} in all`));
      svg.append(bar);
      path.push(`${i ? "L" : "M"}${cx.toFixed(1)},${y(p.cumulative).toFixed(1)}`);
      const dot = s("circle", { cx, cy: y(p.cumulative), r: 3, class: "dot", "data-cumulative": p.cumulative });
      dot.append(s("title", {}, `${p.interview}. ${p.document}: ${p.cumulative} distinct codes`));
      svg.append(dot);
      if (points.length <= 30 || i % 2 === 0) svg.append(s("text", { x: cx, y: H - B + 14, "text-anchor": "middle" }, String(p.interview)));
    });
    svg.append(s("path", { d: path.join(" "), class: "line" }));
    if (baseSize && baseSize < points.length) {
      const bx = L + step * baseSize;
      svg.append(s("line", { x1: bx, x2: bx, y1: T, y2: H - B, class: "base-line" }));
      svg.append(s("text", { x: bx + 4, y: T + 10 }, "end of base"));
    }
    svg.append(s("text", { x: (W - L - R) / 2 + L, y: H - 8, "text-anchor": "middle" }, "interview"));
    box.replaceChildren(svg, h("p", { class: "muted small" }, h("span", { class: "legend-key", style: "background:#a0bfe0" }), `new codes per interview (largest ${maxNew})`,
      h("span", { class: "legend-key", style: "background:#1f4e8c" }), "cumulative distinct codes"));
  }

  /* the codebook's size after each change (a step line); x = change number */
  function sizeChart(box, start, timeline) {
    const W = 760, H = 200, L = 44, R = 20, T = 14, B = 34;
    const sizes = [start, ...timeline.map((t) => t.size)];
    const lo = Math.min(...sizes), hi = Math.max(...sizes);
    const span = Math.max(1, hi - lo);
    const x = (i) => L + (W - L - R) * (sizes.length > 1 ? i / (sizes.length - 1) : 0);
    const y = (v) => T + (H - T - B) * (1 - (v - lo) / span);
    const svg = s("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img", class: "codebook-size" });
    svg.append(s("title", {}, "Codes in the codebook after each change"));
    svg.append(s("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
    for (const t of new Set([lo, hi])) svg.append(s("text", { x: L - 6, y: y(t) + 4, "text-anchor": "end" }, String(t)));
    let d = `M${x(0)},${y(sizes[0])}`;
    sizes.forEach((v, i) => {
      if (i) d += ` H${x(i).toFixed(1)} V${y(v).toFixed(1)}`;
      const c = s("circle", { cx: x(i), cy: y(v), r: 3, class: "dot", "data-size": v });
      c.append(s("title", {}, i ? `${timeline[i - 1].detail} (${timeline[i - 1].actor || ""}, ${timeline[i - 1].time.slice(0, 16).replace("T", " ")}): ${v} codes` : `at the start: ${v} codes`));
      svg.append(c);
    });
    svg.append(s("path", { d, class: "line" }));
    svg.append(s("text", { x: (W - L - R) / 2 + L, y: H - 8, "text-anchor": "middle" }, "change"));
    box.replaceChildren(svg);
  }

  function draw(r) {
    const c = r.corpus;
    figures(document.getElementById("corpus-figures"), [
      ["Interviews", n(c.interviews), "corpus.interviews"], ["Codable turns", n(c.codable_turns), "corpus.codable_turns"],
      ["Words in them", n(c.words), "corpus.words"], ["Human codings", n(r.codings.human), "codings.human"],
      ["Coders", n(Object.keys(r.coders).length), "coders"]]);
    table(document.getElementById("coders-table"), [{ label: "Coder" }, { label: "Codings", num: true }, { label: "Documents", num: true }, { label: "First coding" }, { label: "Last coding" }],
      Object.entries(r.coders).map(([name, v]) => [name, n(v.codings), n(v.documents), v.first.slice(0, 16).replace("T", " "), v.last.slice(0, 16).replace("T", " ")]));

    const sat = r.saturation;
    const sentence = document.getElementById("sat-sentence");
    if (sat.error) {
      sentence.textContent = "Not assessed: " + sat.error;
      document.getElementById("sat-chart").replaceChildren();
      document.getElementById("sat-runs").replaceChildren();
    } else {
      sentence.textContent = sat.sentence;
      curveChart(document.getElementById("sat-chart"), sat.curve, sat.base_size);
      table(document.getElementById("sat-runs"), [{ label: "Run" }, { label: "Interviews" }, { label: "New codes", num: true }, { label: "Share of the base", num: true }, { label: "" }],
        sat.runs.map((x) => [`${x.start}–${x.end}`, sat.order.slice(x.start - 1, x.end).join(", "), x.new, x.ratio.toFixed(3), x.ratio <= sat.threshold ? "within the threshold" : ""]));
    }

    const cb = r.codebook;
    document.getElementById("cb-summary").textContent = `${cb.start} codes at the start, ${cb.codes} now; ${cb.changes} change${cb.changes === 1 ? "" : "s"}`;
    if (cb.timeline.length) sizeChart(document.getElementById("cb-chart"), cb.start, cb.timeline);
    else document.getElementById("cb-chart").replaceChildren();
    table(document.getElementById("cb-table"), [{ label: "Time" }, { label: "By" }, { label: "Change" }, { label: "Code" }, { label: "Codes after", num: true }],
      cb.timeline.map((t) => [t.time.slice(0, 19).replace("T", " "), t.actor || "", t.detail, t.code, t.size]), "No codebook changes recorded: the codebook is as its file defines it.");

    document.getElementById("machine-statement").textContent = r.machine.statement;
    const co = r.codings, su = r.suggestions;
    figures(document.getElementById("machine-figures"), [
      ["From suggestions", n(co.from_suggestions), "codings.from_suggestions"], ["Edited after acceptance", n(co.edited_after_accept), "codings.edited_after_accept"],
      ["Accepted", n(su.accepted), "suggestions.accepted"], ["Rejected", n(su.rejected), "suggestions.rejected"], ["Pending", n(su.pending), "suggestions.pending"]]);
    table(document.getElementById("machine-methods"), [{ label: "Method" }, { label: "Accepted", num: true }, { label: "Rejected", num: true }, { label: "Pending", num: true }],
      Object.entries(su.by_method).map(([m, v]) => [m, n(v.accepted), n(v.rejected), n(v.pending)]), "No machine suggestions in the store.");
    table(document.getElementById("machine-codes"), [{ label: "Code" }, { label: "Accepted", num: true }, { label: "Rejected", num: true }, { label: "Pending", num: true }, { label: "Acceptance rate", num: true }],
      Object.entries(su.by_code).filter(([, v]) => v.accepted + v.rejected > 0).map(([code, v]) => [code, n(v.accepted), n(v.rejected), n(v.pending), pct(v.acceptance_rate)]), "");

    document.getElementById("agreement-paragraph").value = r.agreement ? r.agreement.paragraph : "Fewer than two human coders: no agreement to report.";
  }

  async function load() {
    const q = new URLSearchParams();
    for (const k of ["order", "level", "base", "run", "threshold"]) { const v = document.getElementById("f-" + k).value; if (v) q.set(k, v); }
    try {
      const r = await api("GET", "/api/methods?" + q.toString());
      draw(r);
      history.replaceState(null, "", "/methods?" + q.toString());
      document.body.dataset.loaded = "1";
    } catch (e) { flash(e.message, "error"); }
  }
  form.addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
  document.getElementById("copy-agreement").addEventListener("click", async () => {
    const text = document.getElementById("agreement-paragraph").value;
    try { await navigator.clipboard.writeText(text); flash("Paragraph copied"); }
    catch (e) { document.getElementById("agreement-paragraph").select(); flash("Select and copy the paragraph (Ctrl+C)"); }
  });
  load();
  document.body.dataset.ready = "1";
})();
