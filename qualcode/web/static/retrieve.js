/* qualcode workbench: retrieve every passage of a code (with its sub-codes), or search the text,
   filtered by coder, document and case attribute; each passage opens in place in its document;
   a search hit can be coded from here. "By meaning" ranks the passages most like the query
   (sentence embeddings, or TF-IDF without the semantic extra, as the note under the title says),
   each with its similarity and "Code this", as on the Find similar page. */
"use strict";

(() => {
  const { h, api, flash, pageData } = QC;
  const page = pageData();
  const params = page.params || {};
  const codes = new Map(page.codebook.map((c) => [c.id, c]));
  const form = document.getElementById("filter-form");
  const results = document.getElementById("results");
  const more = document.getElementById("more");
  const note = document.getElementById("result-note");
  const meaning = document.getElementById("f-meaning");
  let tab = params.q ? "search" : "code";
  let offset = 0, lastQuery = null;

  const attrPairs = [];
  for (const [a, vals] of Object.entries(page.attributes)) for (const v of vals) attrPairs.push([a, v]);

  function fill(sel, items, blank, value) {
    QC.fill(sel, h("option", { value: "", text: blank }), ...items.map(([v, t]) => h("option", { value: v, text: t })));
    if (value !== undefined && value !== null) sel.value = value;
  }
  fill(document.getElementById("f-code"), page.codebook.map((c) => [c.id, "\u2002".repeat(Math.min(c.depth, 4)) + c.name + (c.total ? `  (${c.total})` : "")]), "choose a code…", params.code);
  fill(document.getElementById("f-coder"), page.coders.map((c) => [c, c]), page.blind ? page.coder : "every coder", page.blind ? "" : params.coder);
  fill(document.getElementById("f-document"), page.documents.map((d) => [d, d]), "every document", params.document);
  fill(document.getElementById("f-attr"), attrPairs.map(([a, v], i) => [String(i), `${a} = ${v}`]), "every case",
    params.attribute ? String(attrPairs.findIndex(([a, v]) => a === params.attribute && v === params.value)) : "");
  if (params.q) document.getElementById("f-q").value = params.q;
  if (params.by === "meaning") meaning.checked = true;
  function placeholder() {
    document.getElementById("f-q").placeholder = meaning.checked ? "e.g. how we measure results" : 'e.g. trust "brand match"';
  }
  meaning.addEventListener("change", () => { placeholder(); if (document.getElementById("f-q").value.trim()) run(false); });
  placeholder();
  if (params.descendants === "0") document.getElementById("f-desc").checked = false;
  if (page.blind) { document.getElementById("f-coder").disabled = true; document.getElementById("blind-note").hidden = false; }

  function setTab(t) {
    tab = t;
    document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active", b.dataset.tab === t));
    form.querySelectorAll(".for-code").forEach((el) => { el.hidden = t !== "code"; });
    form.querySelectorAll(".for-search").forEach((el) => { el.hidden = t !== "search"; });
  }
  document.querySelectorAll(".tab").forEach((b) => b.addEventListener("click", () => { setTab(b.dataset.tab); QC.fill(results); }));

  function query() {
    const q = new URLSearchParams();
    const f = form.elements;
    if (tab === "code") { q.set("code", f.code.value); if (!f.descendants.checked) q.set("descendants", "0"); }
    else { q.set("q", f.q.value); if (f.meaning.checked) q.set("by", "meaning"); }
    if (f.coder.value) q.set("coder", f.coder.value);
    if (f.document.value) q.set("document", f.document.value);
    if (f.attr.value !== "") { const [a, v] = attrPairs[+f.attr.value]; q.set("attribute", a); q.set("value", v); }
    if (params.case) q.set("case", params.case);
    return q;
  }

  /* document · speaker, and the case when it is not just the document's name */
  function where(p) {
    const sameCase = !p.case || p.case.toLowerCase() === p.document.toLowerCase();
    return `${p.document} · ${p.speaker}` + (sameCase ? "" : ` · case ${p.case}`);
  }

  function openLink(p) { return `/documents/${encodeURIComponent(p.document)}#at=${p.start}-${p.end}`; }

  function marked(text, base, spans) {
    /* text starting at offset base, with spans [[s, e]] marked; code points throughout */
    const chars = Array.from(text), out = [];
    let pos = 0;
    for (const [s, e] of spans) {
      const a = Math.max(0, s - base), b = Math.min(chars.length, e - base);
      if (b <= pos) continue;
      if (a > pos) out.push(chars.slice(pos, a).join(""));
      out.push(h("mark", { text: chars.slice(Math.max(a, pos), b).join("") }));
      pos = b;
    }
    if (pos < chars.length) out.push(chars.slice(pos).join(""));
    return out;
  }

  function passageItem(p) {
    const c = codes.get(p.code) || { color: "#888", name: p.code };
    return h("li", { class: "passage", dataset: { id: p.id } },
      h("div", { class: "meta" },
        h("span", { class: "code-chip", style: `--c:${c.color}` }, p.code_name),
        h("span", { class: "where", text: where(p) }),
        h("span", { class: "muted small", text: `coded by ${p.coder}` }),
        h("span", { class: "spacer" }),
        h("a", { class: "open-link", href: openLink(p), title: "Open this passage in its document" }, "Open in document →")),
      h("p", { class: "quote" }, h("span", { class: "ctx", text: (p.before.length >= 160 ? "…" : "") + p.before.replace(/^\s+/, "") }),
        h("mark", { class: "coded", style: `--c:${c.color}`, text: p.text }),
        h("span", { class: "ctx", text: p.after.replace(/\s+$/, "") + (p.after.length >= 160 ? "…" : "") })),
      p.memo ? h("p", { class: "memo small", text: "Memo: " + p.memo }) : null);
  }

  function codeThis(hit, li) {
    const sel = h("select", { class: "code-this-select" }, h("option", { value: "", text: "code this hit as…" }),
      ...page.codebook.map((c) => h("option", { value: c.id, text: "\u2002".repeat(Math.min(c.depth, 4)) + c.name })));
    const span = h("select", { class: "code-this-span" }, h("option", { value: "hit", text: "the words found" }), h("option", { value: "turn", text: "the whole turn" }));
    const btn = h("button", { type: "button", class: "code-this", onclick: async () => {
      if (!sel.value) { flash("Choose a code first", "error"); return; }
      const [s, e] = span.value === "turn" ? [hit.turn_start, hit.turn_end] : [hit.start, hit.end];
      try {
        await api("POST", "/api/codings", { document: hit.document, start: s, end: e, code: sel.value });
        hit.codes = Array.from(new Set([...(hit.codes || []), sel.value]));
        li.replaceWith(hitItem(hit));
        flash(`Coded as ${(codes.get(sel.value) || {}).name || sel.value}`);
      } catch (err) { flash(err.message, "error"); }
    } }, "Code this hit");
    return h("span", { class: "code-this-box" }, sel, span, btn);
  }

  function hitItem(hit) {
    const li = h("li", { class: "passage hit" });
    li.append(
      h("div", { class: "meta" },
        h("span", { class: "where", text: where(hit) }),
        ...(hit.codes || []).map((id) => { const c = codes.get(id) || { color: "#888", name: id }; return h("span", { class: "code-chip small", style: `--c:${c.color}`, text: c.name }); }),
        h("span", { class: "spacer" }),
        h("a", { class: "open-link", href: openLink(hit) }, "Open in document →")),
      h("p", { class: "quote" }, hit.context_start > hit.turn_start ? "…" : "", ...marked(hit.context, hit.context_start, hit.matches),
        hit.context_start + Array.from(hit.context).length < hit.turn_end ? "…" : ""),
      h("div", { class: "row" }, codeThis(hit, li)));
    return li;
  }

  /* a passage found by meaning: its similarity, the codes on it, and "Code this" (the passage) */
  function meaningItem(it) {
    const li = h("li", { class: "passage hit by-meaning" });
    const sel = h("select", { class: "code-this-select", "aria-label": "code" }, h("option", { value: "", text: "code this passage as…" }),
      ...page.codebook.map((c) => h("option", { value: c.id, text: "\u2002".repeat(Math.min(c.depth, 4)) + c.name })));
    const btn = h("button", { type: "button", class: "code-this", onclick: async () => {
      if (!sel.value) { flash("Choose a code first", "error"); return; }
      try {
        await api("POST", "/api/codings", { document: it.document, start: it.start, end: it.end, code: sel.value });
        it.codes = Array.from(new Set([...(it.codes || []), sel.value]));
        li.replaceWith(meaningItem(it));
        flash(`Coded as ${(codes.get(sel.value) || {}).name || sel.value}`);
      } catch (err) { flash(err.message, "error"); }
    } }, "Code this");
    li.append(
      h("div", { class: "meta" },
        h("span", { class: "where", text: where(it) }),
        h("span", { class: "similarity muted small", text: `similarity ${QC.fmt(it.similarity)}` }),
        ...(it.codes || []).map((id) => { const c = codes.get(id) || { color: "#888", name: id }; return h("span", { class: "code-chip small", style: `--c:${c.color}`, text: c.name }); }),
        h("span", { class: "spacer" }),
        h("a", { class: "open-link", href: openLink(it) }, "Open in document →")),
      h("p", { class: "quote", text: it.text }),
      h("div", { class: "row" }, h("span", { class: "code-this-box" }, sel, btn)));
    return li;
  }

  async function run(append) {
    const q = query();
    if (tab === "code" && !q.get("code")) { flash("Choose a code", "error"); return; }
    if (tab === "search" && !q.get("q").trim()) { flash("Type a word or a phrase", "error"); return; }
    if (!append) { offset = 0; lastQuery = q; QC.fill(results); note.hidden = true; }
    const ranked = lastQuery.get("by") === "meaning" && tab === "search";
    const qq = new URLSearchParams(lastQuery); qq.set("offset", offset);
    history.replaceState(null, "", "/retrieve?" + lastQuery.toString());
    try {
      const r = await api("GET", (tab === "code" ? "/api/retrieve?" : "/api/search?") + qq.toString());
      const title = tab === "code" ? `Passages of ${(codes.get(r.code) || { name: r.code }).name}` + (r.codes && r.codes.length > 1 ? " and its sub-codes" : "") : `“${r.query}”` + (ranked ? " by meaning" : "");
      document.getElementById("result-title").textContent = title;
      document.getElementById("result-count").textContent = `${r.total} ${tab === "code" || ranked ? "passage" : "hit"}${r.total === 1 ? "" : "s"}` + (ranked ? ", most similar first" : "");
      if (ranked) { note.textContent = `Ranked ${r.note}.`; note.hidden = false; }
      if (!append && tab === "code" && r.codes && r.codes.length > 1) {
        // how the passages split over the code and its sub-codes; a chip narrows to one
        const parts = Object.entries(r.by_code).sort((a, b) => b[1] - a[1]);
        results.append(h("li", { class: "by-code" }, ...parts.map(([id, n]) => {
          const c = codes.get(id) || { color: "#888", name: id };
          return h("a", { class: "code-chip small", style: `--c:${c.color}`, href: "/retrieve?" + new URLSearchParams({ code: id, descendants: "0" }).toString(), title: "only this code" }, `${c.name} ${n}`);
        })));
      }
      results.append(...r.items.map((p) => tab === "code" ? passageItem(p) : ranked ? meaningItem(p) : hitItem(p)));
      if (!r.total) results.append(h("li", { class: "muted", text: tab === "code" ? "No coded passages match." : ranked ? "No passage has anything in common with it." : "No turn contains every word." }));
      offset += r.items.length;
      more.hidden = offset >= r.total;
      document.body.dataset.loaded = String(Date.now());
    } catch (e) { flash(e.message, "error"); }
  }
  form.addEventListener("submit", (ev) => { ev.preventDefault(); run(false); });
  more.addEventListener("click", () => run(true));

  setTab(tab);
  if (params.code || params.q) run(false);
  document.body.dataset.ready = "1";
})();
