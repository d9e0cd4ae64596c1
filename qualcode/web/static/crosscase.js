/* qualcode workbench: cross-case analysis from qualcode.matrix: code frequencies by case
   (heat map), strategy by case with hybrids marked, codes by a case attribute, co-occurrence.
   Every count opens the passages behind it on the Retrieve page. */
"use strict";

(() => {
  const { h, api, flash, pageData } = QC;
  const page = pageData();
  const params = page.params || {};
  const form = document.getElementById("cc-form");
  const coderSel = document.getElementById("f-coder");
  const attrSel = document.getElementById("f-attribute");
  QC.fill(coderSel, h("option", { value: "", text: "every human coder" }), ...page.coders.map((c) => h("option", { value: c, text: c })));
  QC.fill(attrSel, ...Object.keys(page.attributes).map((a) => h("option", { value: a, text: a })));
  coderSel.value = params.coder || (page.blind ? page.coder : "");
  // a big codebook reads better rolled up to two levels first
  document.getElementById("f-depth").value = params.depth !== undefined ? params.depth : (page.codebook.length > 30 ? "1" : "");
  if (params.attribute) attrSel.value = params.attribute;

  function retrieveUrl(extra, depth) {
    const q = new URLSearchParams(extra);
    if (coderSel.value) q.set("coder", coderSel.value);
    q.set("descendants", depth === null || depth === undefined ? "0" : "1");
    return "/retrieve?" + q.toString();
  }

  function cellLink(text, href, title) { return h("a", { href, title, class: "cell-link", text }); }

  function draw(r) {
    const codeName = (c) => c.name;
    QCCharts.heatmap(document.getElementById("heatmap"), {
      rows: r.cases, cols: r.codes.map(codeName), values: r.case_by_code, colColors: r.codes.map((c) => c.color),
      title: "Code frequencies by case",
      onCell: (i, j) => { location.href = retrieveUrl({ code: r.codes[j].id, case: r.cases[i] }, r.depth); },
    });
    const sp = document.getElementById("strategy-panel");
    sp.hidden = !r.strategy;
    if (r.strategy) {
      const s = r.strategy;
      document.getElementById("strategy-note").textContent = `a case shows a strategy with ${s.min_segments}+ coded turns; * two or more strategies (hybrid)`;
      QC.fill(document.getElementById("strategy-table"),
        h("thead", {}, h("tr", {}, h("th", { text: "Case" }), ...s.strategies.map((x) => h("th", { text: x.name })), h("th", { text: "" }))),
        h("tbody", {}, ...s.cases.map((c, i) => h("tr", { class: s.hybrid[i] ? "hybrid" : "" }, h("th", { text: c + (s.hybrid[i] ? " *" : "") }),
          ...s.strategies.map((x, j) => h("td", { class: "num" + (s.shows[i][j] ? " shows" : "") },
            s.counts[i][j] ? cellLink((s.shows[i][j] ? (s.hybrid[i] ? "x* " : "x ") : "") + `(${s.counts[i][j]})`, retrieveUrl({ code: x.id, case: c }, 1), `${c} · ${x.name}: ${s.counts[i][j]} coded turns`) : "")),
          h("td", {}, s.hybrid[i] ? h("span", { class: "flag hybrid-flag", text: "hybrid" }) : null)))));
    }
    const a = r.code_by_attribute;
    document.getElementById("attr-name").textContent = r.attribute || "attribute";
    const names = new Map(r.codes.map((c) => [c.id, c.name]));
    QC.fill(document.getElementById("attr-table"), ...(a ? [
      h("thead", {}, h("tr", {}, h("th", { text: r.attribute }), h("th", { class: "num", text: "cases" }), ...a.codes.map((c) => h("th", { class: "rot", title: names.get(c) || c }, h("span", { text: names.get(c) || c }))))),
      h("tbody", {}, ...a.values.map((v, i) => h("tr", {}, h("th", { text: v }), h("td", { class: "num muted", text: String(a.n_cases[i]) }),
        ...a.codes.map((c, j) => h("td", { class: "num", style: a.table[i][j] ? `background:${QCCharts.shade(a.table[i][j], a.n_cases[i])}` : "" },
          a.table[i][j] ? cellLink(String(a.table[i][j]), retrieveUrl({ code: c, attribute: r.attribute, value: v }, r.depth), `${v} · ${names.get(c) || c}: ${a.table[i][j]} of ${a.n_cases[i]} cases`) : ""))))),
    ] : [h("tbody", {}, h("tr", {}, h("td", { class: "muted", text: "The cases have no attributes (add a cases.csv to the project)." })))]));
    const co = r.cooccurrence;
    QCCharts.heatmap(document.getElementById("cooc"), {
      rows: co.codes.map((c) => names.get(c) || c), cols: co.codes.map((c) => names.get(c) || c), values: co.table, title: "Code co-occurrence",
      onCell: (i) => { location.href = retrieveUrl({ code: co.codes[i] }, r.depth); },
    });
  }

  async function run() {
    const q = new URLSearchParams();
    if (coderSel.value) q.set("coder", coderSel.value);
    const depth = document.getElementById("f-depth").value;
    if (depth) q.set("depth", depth);
    if (attrSel.value) q.set("attribute", attrSel.value);
    history.replaceState(null, "", "/crosscase?" + q.toString());
    try {
      draw(await api("GET", "/api/crosscase?" + q.toString()));
      document.body.dataset.drawn = "1";
    } catch (e) { flash(e.message, "error"); }
  }
  form.addEventListener("submit", (ev) => { ev.preventDefault(); run(); });
  run();
  document.body.dataset.ready = "1";
})();
