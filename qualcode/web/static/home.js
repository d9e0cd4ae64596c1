/* qualcode workbench, home: the classifier's per-code figures, refreshed while it retrains. */
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

  function draw(m) {
    if (!m || m.status === "off") {
      status.textContent = "Retraining is off for this server (qualcode open --no-train).";
      tbody.replaceChildren();
      return;
    }
    const when = m.trained_at ? `Last trained ${m.trained_at} in ${m.seconds} s on ${m.codings} codings in ${m.documents} documents.` : "";
    status.textContent = (m.status === "training" ? "Retraining in the background… " : m.status === "waiting" ? "Starting… " :
      m.status === "failed" ? `Retraining failed: ${m.error}. ` : "") + when +
      ` Codes need ${m.min_examples} coded turns and a cross-validated κ of ${fmt(m.kappa_floor)} before they get suggestions.` +
      (m.note ? " " + m.note + "." : "");
    const rows = m.codes.filter((c) => c.n > 0).sort((a, b) => (b.state === "suggesting") - (a.state === "suggesting") || b.n - a.n);
    tbody.replaceChildren(...rows.map((c) => {
      const code = names.get(c.code) || { name: c.code, color: "#888888" };
      return h("tr", {},
        h("td", { title: c.code }, h("span", { class: "swatch", style: `background:${code.color};margin-right:.4rem` }), code.name),
        h("td", { class: "num", text: c.n }), h("td", { class: "num", text: fmt(c.precision) }),
        h("td", { class: "num", text: fmt(c.recall) }), h("td", { class: "num", text: fmt(c.kappa) }),
        h("td", {}, h("span", { class: "state " + (c.state === "suggesting" ? "suggesting" : "needs"), text: c.state === "suggesting" ? "suggesting" : "needs more examples", title: c.state })));
    }));
    if (!rows.length) tbody.append(h("tr", {}, h("td", { colspan: 6, class: "muted", text: "Nothing coded yet: open a document and code a few passages." })));
    if (document.activeElement !== form.kappa_floor) form.kappa_floor.value = m.kappa_floor;
    if (document.activeElement !== form.min_examples) form.min_examples.value = m.min_examples;
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      draw(await api("PUT", "/api/model/settings", { kappa_floor: parseFloat(form.kappa_floor.value), min_examples: parseInt(form.min_examples.value, 10) }));
      flash("Saved; retraining with the new settings");
    } catch (e) { flash(e.message, "error"); }
  });
  document.getElementById("retrain").addEventListener("click", async () => {
    try { draw(await api("POST", "/api/model/retrain", {})); flash("Retraining in the background"); } catch (e) { flash(e.message, "error"); }
  });

  draw(data.model);
  setInterval(async () => { try { draw(await api("GET", "/api/model")); } catch (e) { /* shown by the pill */ } }, 4000);
})();
