/* qualcode workbench, "find similar": passages most like a passage or a phrase, each with "code this". */
"use strict";
(() => {
  const { h, api, flash, pageData, fmt } = QC;
  const data = pageData();
  const form = document.getElementById("similar-form");
  const list = document.getElementById("similar-list");
  const note = document.getElementById("similar-note");
  const params = new URLSearchParams(location.search);

  function item(it) {
    const select = h("select", { "aria-label": "code" }, ...data.codebook.map((c) => h("option", { value: c.id, text: c.name })));
    const button = h("button", { type: "button", text: "Code this" });
    button.addEventListener("click", async () => {
      try {
        await api("POST", "/api/codings", { document: it.document, start: it.start, end: it.end, code: select.value });
        button.textContent = "Coded";
        button.disabled = true;
        flash(`Coded as ${select.options[select.selectedIndex].text}`);
      } catch (e) { flash(e.message, "error"); }
    });
    const link = h("a", { href: `/documents/${encodeURIComponent(it.document)}#${it.start}`, text: `${it.document}, turn ${it.segment}` });
    return h("li", {},
      h("div", { class: "meta" }, link, ` · ${it.speaker} · similarity ${fmt(it.similarity)}`),
      h("p", { class: "passage", text: it.text }),
      h("div", {}, select, " ", button));
  }

  async function run(query) {
    try {
      const res = await api("GET", "/api/similar?" + query.toString());
      note.textContent = `${res.items.length} passages, ${res.note}.`;
      list.replaceChildren(...res.items.map(item));
    } catch (e) { note.textContent = e.message; list.replaceChildren(); }
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = form.q.value.trim();
    if (!q) return;
    history.replaceState(null, "", "?q=" + encodeURIComponent(q));
    run(new URLSearchParams({ q }));
  });
  if (params.get("q")) { form.q.value = params.get("q"); run(new URLSearchParams({ q: params.get("q") })); }
  else if (params.get("document")) {
    run(new URLSearchParams({ document: params.get("document"), start: params.get("start") || "", end: params.get("end") || "" }));
  }
})();
