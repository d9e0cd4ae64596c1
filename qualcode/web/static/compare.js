/* qualcode workbench: compare coders. Agreement per code and pooled (qualcode.agreement.compare,
   the numbers `qualcode agree` prints), a chart of alpha with its bootstrap interval, the
   disagreements grouped by passage, each opening the passage with every chosen coder's codings
   side by side; blind mode keeps a coder to their own codings until they choose to compare. */
"use strict";

(() => {
  const { h, api, flash, pageData, fmt } = QC;
  const page = pageData();
  const params = page.params || {};
  const codes = new Map(page.codebook.map((c) => [c.id, c]));
  const form = document.getElementById("compare-form");
  const boxes = document.getElementById("coder-boxes");
  const out = document.getElementById("compare-out");
  const disList = document.getElementById("dis-list");
  const side = document.getElementById("side-by-side");
  const disCode = document.getElementById("dis-code");
  let last = null, disOffset = 0;

  function drawCoders() {   // a blind page knows only its own coder: redrawn once blind mode is lifted
    const chosen = params.coders ? params.coders.split(",") : page.coders.slice(0, 2);
    QC.fill(boxes, ...(page.coders.length ? page.coders.map((c) => h("label", { class: "check" },
      h("input", { type: "checkbox", name: "coder", value: c, checked: chosen.includes(c) ? true : null }), c)) :
      [h("span", { class: "muted", text: "nobody has coded yet" })]));
  }
  drawCoders();
  if (params.unit) document.getElementById("f-unit").value = params.unit;

  /* blind mode */
  const blindPanel = document.getElementById("blind-panel");
  const blindToggle = document.getElementById("blind-toggle");
  blindToggle.checked = !!page.blind;
  function showBlind(on) {
    blindPanel.hidden = !on;
    document.getElementById("compare-controls").classList.toggle("blinded", on);
    form.querySelectorAll("input[name=coder], select, button[type=submit], input[name=n_boot]").forEach((el) => { el.disabled = on; });
    if (on) out.hidden = true;
  }
  async function setBlind(on) {
    try {
      const r = await api("PUT", "/api/blind", { blind: on });
      page.blind = r.blind; blindToggle.checked = r.blind; showBlind(r.blind);
      flash(r.blind ? "Blind mode on: you see only your own codings" : "Blind mode off: everyone's codings are visible");
    } catch (e) { flash(e.message, "error"); }
  }
  blindToggle.addEventListener("change", () => setBlind(blindToggle.checked));
  document.getElementById("reveal").addEventListener("click", async () => {
    await setBlind(false);
    if (page.blind) return;
    try { page.coders = (await api("GET", "/api/project")).coders; drawCoders(); } catch (e) { flash(e.message, "error"); }
    run();
  });
  showBlind(!!page.blind);

  function coders() { return Array.from(form.querySelectorAll("input[name=coder]:checked")).map((i) => i.value); }

  const ci = QCUtil.interval;

  function drawTable(r) {
    const two = r.two;
    const head = h("tr", {}, h("th", { text: "Code" }), h("th", { class: "num", text: r.unit === "segment" ? "Turns" : "Characters", title: "units covered by two or more coders" }),
      h("th", { class: "num", text: "Passages", title: "codings of this code by these coders" }),
      h("th", { class: "num", text: "% agreement" }), h("th", { class: "num", text: two ? "Cohen's κ [95% CI]" : "Fleiss' κ" }),
      h("th", { class: "num", text: "Krippendorff's α [95% CI]" }), h("th", { class: "num", text: "Gwet's AC1" }), h("th", { text: "" }));
    const rows = r.rows.filter((x) => x.document === "(all)");
    const body = rows.map((x) => h("tr", { class: (x.code === "(all codes)" ? "pooled" : "") + (x.low_n ? " low-n" : ""), dataset: { code: x.code } },
      h("td", {}, x.code === "(all codes)" ? h("strong", { text: "All codes (pooled)" }) : h("span", {}, h("span", { class: "swatch", style: `background:${(codes.get(x.code) || { color: "#888" }).color}` }), x.name, h("span", { class: "code-id", text: x.code }))),
      h("td", { class: "num", text: x.n_units.toLocaleString() }), h("td", { class: "num", text: String(x.n_passages) }),
      h("td", { class: "num", text: x.percent_agreement === null ? "–" : (100 * x.percent_agreement).toFixed(1) + "%" }),
      h("td", { class: "num", text: two ? ci(x.cohen_kappa, x.cohen_kappa_low, x.cohen_kappa_high) : fmt(x.fleiss_kappa, 3) }),
      h("td", { class: "num alpha", text: ci(x.alpha, x.alpha_low, x.alpha_high) }),
      h("td", { class: "num", text: fmt(x.gwet_ac1, 3) }),
      h("td", {}, x.low_n ? h("span", { class: "flag", title: `fewer than ${r.low_n} coded passages: the interval says little` }, "low n") : null,
        x.note ? h("span", { class: "note-mark", title: x.note, text: "note" }) : null)));
    QC.fill(document.getElementById("agree-table"), h("thead", {}, head), h("tbody", {}, ...body));
    const items = rows.map((x) => ({ label: x.code === "(all codes)" ? "All codes (pooled)" : x.name, value: x.alpha, low: x.alpha_low, high: x.alpha_high, flag: x.low_n, pooled: x.code === "(all codes)",
      title: `${x.name}: α = ${fmt(x.alpha, 3)}` + (x.alpha_low !== null ? ` [${fmt(x.alpha_low, 3)}, ${fmt(x.alpha_high, 3)}]` : "") + ` · ${x.n_passages} passages` }));
    QCCharts.intervals(document.getElementById("agree-chart"), items, { label: "Krippendorff's α with its 95% bootstrap interval" });
    document.getElementById("agree-legend").textContent = `${r.coders.join(" vs ")} · ${r.unit} level · ${r.n_boot} bootstrap resamples · seed ${r.seed}`;
    QC.fill(disCode, h("option", { value: "", text: "every code" }), ...rows.filter((x) => x.code !== "(all codes)").map((x) => h("option", { value: x.code, text: x.name })));
  }

  function decisionText(v) { return v === null ? "not covered" : v === 1 ? "coded" : v === 0 ? "not coded" : String(v); }

  function disItem(e, r) {
    const li = h("li", { class: "dis", tabindex: "0", dataset: { document: e.document, start: e.start } },
      h("div", { class: "meta" }, h("span", { class: "where", text: `${e.document} · ${e.speaker}` }), h("span", { class: "spacer" }),
        h("span", { class: "muted small", text: `${e.codes.length} code${e.codes.length === 1 ? "" : "s"} disputed` })),
      h("p", { class: "quote small", text: e.text.length > 220 ? e.text.slice(0, 220) + "…" : e.text }),
      h("ul", { class: "dis-codes" }, ...e.codes.map((c) => h("li", {},
        h("span", { class: "code-chip small", style: `--c:${(codes.get(c.code) || { color: "#888" }).color}`, text: c.name }),
        ...r.coders.map((name) => h("span", { class: "decision d" + c.decisions[name], text: `${name}: ${decisionText(c.decisions[name])}` }))))));
    const open = () => { disList.querySelectorAll(".dis.active").forEach((n) => n.classList.remove("active")); li.classList.add("active"); openPassage(e, r.coders); };
    li.addEventListener("click", open);
    li.addEventListener("keydown", (ev) => { if (ev.key === "Enter") open(); });
    return li;
  }

  function pieces(text, base, rows) {
    /* the passage cut at every coding boundary; each piece coloured by the codes on it */
    const chars = Array.from(text);
    const cuts = new Set([0, chars.length]);
    for (const c of rows) { cuts.add(Math.max(0, Math.min(chars.length, c.start - base))); cuts.add(Math.max(0, Math.min(chars.length, c.end - base))); }
    const pts = Array.from(cuts).sort((a, b) => a - b);
    const out = [];
    for (let i = 0; i + 1 < pts.length; i++) {
      const a = pts[i], b = pts[i + 1];
      const on = rows.filter((c) => c.start - base < b && c.end - base > a);
      const t = chars.slice(a, b).join("");
      if (!on.length) { out.push(t); continue; }
      out.push(h("span", { class: "coded-piece", title: on.map((c) => c.name).join(", "), style: QCUtil.highlightStyle(on.map((c) => c.color)), text: t }));
    }
    return out;
  }

  async function openPassage(e, names) {
    try {
      const q = new URLSearchParams({ document: e.document, start: e.start, end: e.end, coders: names.join(",") });
      const p = await api("GET", "/api/passage?" + q.toString());
      const disputed = new Set(e.codes.map((c) => c.code));
      QC.fill(side,
        h("div", { class: "panel-head" }, h("h3", { text: `${p.document} · ${p.speaker}` }), h("span", { class: "spacer" }),
          h("a", { class: "open-link", href: `/documents/${encodeURIComponent(p.document)}#at=${e.start}-${e.end}` }, "Open in document →")),
        h("div", { class: "sbs", style: `grid-template-columns:repeat(${names.length}, minmax(0, 1fr))` }, ...names.map((name) => {
          const rows = p.coders[name] || [];
          return h("div", { class: "sbs-col", dataset: { coder: name } }, h("h4", { text: name }),
            h("div", { class: "chips" }, ...(rows.length ? Array.from(new Map(rows.map((c) => [c.code, c])).values()).map((c) =>
              h("span", { class: "code-chip small" + (disputed.has(c.code) ? " disputed" : ""), style: `--c:${c.color}`, text: c.name,
                title: disputed.has(c.code) ? "the coders disagree on this code here" : null })) : [h("span", { class: "muted small", text: "no codes here" })])),
            h("p", { class: "muted small missing" }, ...e.codes.filter((c) => c.decisions[name] === 0).map((c) => `not coded: ${c.name}`).join(" · ")),
            h("p", { class: "sbs-text" }, ...pieces(p.text, p.start, rows)));
        })));
    } catch (err) { flash(err.message, "error"); }
  }

  async function loadDisagreements(append) {
    if (!append) { disOffset = 0; QC.fill(disList); QC.fill(side, h("p", { class: "muted", text: "Choose a passage to see the coders' codings side by side." })); }
    const q = new URLSearchParams({ coders: last.coders.join(","), unit: last.unit, offset: disOffset });
    if (disCode.value) q.set("code", disCode.value);
    const r = await api("GET", "/api/disagreements?" + q.toString());
    document.getElementById("dis-count").textContent = `${r.total} passage${r.total === 1 ? "" : "s"}`;
    disList.append(...r.items.map((e) => disItem(e, r)));
    if (!r.total) disList.append(h("li", { class: "muted", text: "The coders agree on every passage." }));
    disOffset += r.items.length;
    document.getElementById("dis-more").hidden = disOffset >= r.total;
  }
  disCode.addEventListener("change", () => loadDisagreements(false).catch((e) => flash(e.message, "error")));
  document.getElementById("dis-more").addEventListener("click", () => loadDisagreements(true).catch((e) => flash(e.message, "error")));

  async function run() {
    const names = coders();
    if (names.length < 2) { flash("Pick two or more coders", "error"); return; }
    const unit = document.getElementById("f-unit").value;
    const q = new URLSearchParams({ coders: names.join(","), unit, n_boot: document.getElementById("f-boot").value || "0" });
    history.replaceState(null, "", "/compare?" + new URLSearchParams({ coders: names.join(","), unit }).toString());
    const t0 = performance.now();
    const nBoot = +q.get("n_boot");
    try {
      // the estimates first (no bootstrap: quick), then the intervals when they are computed
      const quick = new URLSearchParams(q); quick.set("n_boot", "0");
      last = await api("GET", "/api/compare?" + (nBoot ? quick : q).toString());
      out.hidden = false;
      drawTable(last);
      if (nBoot) document.getElementById("agree-legend").textContent += " · computing intervals…";
      await loadDisagreements(false);
      window.qcCompareMs = performance.now() - t0;
      document.body.dataset.compared = "1";
      if (nBoot) {
        const full = await api("GET", "/api/compare?" + q.toString());
        if (last && full.unit === last.unit && full.coders.join() === last.coders.join()) { last = full; drawTable(full); }
        document.body.dataset.intervals = "1";
      }
      await showParagraph(q);
    } catch (e) { flash(e.message, "error"); }
  }

  /* the reporting paragraph of this comparison (qualcode.methods, as `qualcode methods` writes it) */
  async function showParagraph(q) {
    const r = await api("GET", "/api/methods/agreement?" + q.toString());
    document.getElementById("report-paragraph").value = r.paragraph;
    document.getElementById("report-panel").hidden = false;
    document.body.dataset.paragraph = "1";
  }
  document.getElementById("copy-report").addEventListener("click", async () => {
    const box = document.getElementById("report-paragraph");
    try { await navigator.clipboard.writeText(box.value); flash("Paragraph copied"); }
    catch (e) { box.select(); flash("Select and copy the paragraph (Ctrl+C)"); }
  });
  form.addEventListener("submit", (ev) => { ev.preventDefault(); run(); });

  if (!page.blind && params.coders) run();
  document.body.dataset.ready = "1";
})();
