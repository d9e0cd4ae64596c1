/* qualcode workbench: the codebook page. Create, rename, edit (definition, rules, keywords,
   examples taken from coded passages), move, merge and delete codes; every change is one store
   transaction and an event. Text only ever reaches the page through textContent. */
"use strict";

(() => {
  const { h, api, flash, pageData } = QC;
  const page = pageData();
  let codebook = page.codebook;
  let current = null;            // the code shown in the editor (GET /api/codes/{id})
  const treeEl = document.getElementById("code-tree");
  const editor = document.getElementById("editor");
  const filterEl = document.getElementById("tree-filter");

  function drawTree() {
    const q = filterEl.value.trim().toLowerCase();
    document.getElementById("code-count").textContent = `${codebook.length} codes`;
    const items = codebook.filter((c) => !q || (c.id + " " + c.name).toLowerCase().includes(q));
    QC.fill(treeEl, ...items.map((c) => h("li", {
      class: `depth-${Math.min(c.depth, 4)}` + (current && current.id === c.id ? " selected" : ""),
      dataset: { id: c.id }, tabindex: "0", title: c.description || "",
      onclick: () => select(c.id),
      onkeydown: (ev) => { if (ev.key === "Enter") select(c.id); },
    }, h("span", { class: "swatch", style: `background:${c.color}` }),
       h("span", { class: "code-name", text: c.name }), h("span", { class: "code-id", text: c.id }),
       h("span", { class: "code-count" + (c.total ? "" : " zero"), text: String(c.total), title: c.total !== c.count ? `${c.count} coded with this code, ${c.total} with its sub-codes` : `${c.count} codings` }))));
  }
  filterEl.addEventListener("input", drawTree);

  function options(select, { exclude, blank, value } = {}) {
    QC.fill(select);
    if (blank !== undefined) select.append(h("option", { value: "", text: blank }));
    for (const c of codebook) {
      if (exclude && exclude(c)) continue;
      select.append(h("option", { value: c.id, text: "\u2002".repeat(Math.min(c.depth, 4)) + c.name + "  (" + c.id + ")" }));
    }
    if (value !== undefined) select.value = value;
    return select;
  }

  async function select(id) {
    try {
      current = await api("GET", `/api/codes/${encodeURIComponent(id)}`);
      history.replaceState(null, "", `/codes?code=${encodeURIComponent(id)}`);
      drawTree();
      drawEditor();
    } catch (e) { flash(e.message, "error"); }
  }

  function field(label, el, hint) {
    return h("label", { class: "field" }, h("span", { class: "field-label", text: label }), hint ? h("span", { class: "muted small", text: hint }) : null, el);
  }

  function drawEditor() {
    const c = current;
    const name = h("input", { id: "e-name", value: c.name, maxlength: "200" });
    const color = h("input", { id: "e-color", type: "color", value: c.color });
    const desc = h("textarea", { id: "e-description", rows: "3" }); desc.value = c.description;
    const inc = h("textarea", { id: "e-inclusion", rows: "2" }); inc.value = c.inclusion;
    const exc = h("textarea", { id: "e-exclusion", rows: "2" }); exc.value = c.exclusion;
    const kw = h("input", { id: "e-keywords", value: c.keywords.join(", ") });
    const memo = h("textarea", { id: "e-memo", rows: "2", placeholder: "Your analytic notes on this code (not part of the codebook file)" }); memo.value = c.memo || "";
    let examples = c.examples.map((e) => Object.assign({}, e));
    const exList = h("ul", { class: "examples", id: "e-examples" });
    const drawExamples = () => QC.fill(exList, ...(examples.length ? examples.map((ex, i) => h("li", {},
      h("q", { text: ex.quote }), ex.source ? h("span", { class: "muted small", text: " — " + ex.source }) : null,
      h("button", { type: "button", class: "link danger", title: "Remove this example", onclick: () => { examples.splice(i, 1); drawExamples(); } }, "remove"))) :
      [h("li", { class: "muted small", text: "No examples yet: take one from a coded passage below." })]));
    drawExamples();

    const save = async () => {
      try {
        const body = { name: name.value, color: color.value, description: desc.value, inclusion: inc.value,
          exclusion: exc.value, keywords: kw.value, examples };
        if (memo.value !== (c.memo || "")) { body.memo = memo.value; body.memo_version = c.memo_version || 0; }
        const r = await api("PATCH", `/api/codes/${encodeURIComponent(c.id)}`, body);
        current = r.code;
        refreshTree(r.codebook);
        drawEditor();
        flash(`Saved ${r.code.name}`);
      } catch (e) { flash(e.message, "error"); }
    };

    const passages = h("ul", { class: "passages compact", id: "e-passages" }, ...(c.passages.length ? c.passages.map((p) => h("li", {},
      h("q", { text: p.text.length > 280 ? p.text.slice(0, 280) + "…" : p.text }),
      h("div", { class: "meta" }, h("span", { class: "muted small", text: `${p.document} · ${p.speaker} · ${p.coder}` }),
        h("button", { type: "button", class: "use-example", onclick: () => {
          examples.push({ quote: p.text.trim().slice(0, 2000), source: `${p.document}, ${p.speaker} (${p.case})` });
          drawExamples(); flash("Added as an example: save to keep it");
        } }, "Use as example"),
        h("a", { href: `/documents/${encodeURIComponent(p.document)}#at=${p.start}-${p.end}`, text: "open" })))) :
      [h("li", { class: "muted small", text: "No coded passages yet." })]));

    const descendants = new Set(codebook.filter((x) => x.id === c.id || x.id.startsWith(c.id + ".")).map((x) => x.id));
    const moveSel = options(h("select", { id: "move-parent" }), { exclude: (x) => descendants.has(x.id), blank: "(top level)", value: c.parent || "" });
    const mergeSel = options(h("select", { id: "merge-into" }), { exclude: (x) => descendants.has(x.id), blank: "choose a code…" });
    const recodeSel = options(h("select", { id: "recode-to" }), { exclude: (x) => x.id === c.id, blank: c.count ? "recode its codings to…" : "(no codings to recode)" });

    QC.fill(editor,
      h("div", { class: "panel-head" }, h("h2", {}, h("span", { class: "swatch", style: `background:${c.color}` }), c.name, h("span", { class: "code-id", text: c.id })),
        h("span", { class: "spacer" }),
        h("a", { class: "button", href: `/retrieve?code=${encodeURIComponent(c.id)}` }, `Passages (${c.total})`)),
      h("div", { class: "form-grid two" }, field("Name", name), field("Colour", color)),
      field("Definition", desc), h("div", { class: "form-grid two" }, field("Use when (inclusion)", inc), field("Not when (exclusion)", exc)),
      field("Keywords", kw, "phrases separated by commas; * stands for one word"),
      h("div", { class: "field" }, h("span", { class: "field-label", text: "Examples" }), exList),
      field("Memo", memo),
      ...(c.memos || []).map((m) => h("p", { class: "other-memo muted small", text: `${m.coder}'s memo (read-only): ${m.text}` })),
      h("div", { class: "row" }, h("button", { class: "primary", type: "button", id: "save-code", onclick: save }, "Save changes")),
      h("details", { class: "sub", open: c.passages.length ? true : null }, h("summary", { text: `Coded passages (${c.count}) — take an example from one` }), passages),
      h("div", { class: "actions" },
        h("div", { class: "action" }, h("span", { class: "field-label", text: "Move under" }), moveSel,
          h("button", { type: "button", id: "move-btn", onclick: async () => {
            try {
              const r = await api("POST", `/api/codes/${encodeURIComponent(c.id)}/move`, { parent: moveSel.value || null });
              refreshTree(r.codebook); flash(`Moved: ${c.id} is now ${r.id}; its codings followed`); select(r.id);
            } catch (e) { flash(e.message, "error"); }
          } }, "Move")),
        h("div", { class: "action" }, h("span", { class: "field-label", text: "Merge into" }), mergeSel,
          h("button", { type: "button", id: "merge-btn", onclick: async () => {
            if (!mergeSel.value) { flash("Choose the code to merge into", "error"); return; }
            if (!confirm(`Merge “${c.name}” into ${mergeSel.value}? Its ${c.count} codings move there and “${c.name}” disappears (the history keeps it).`)) return;
            try {
              const r = await api("POST", `/api/codes/${encodeURIComponent(c.id)}/merge`, { into: mergeSel.value });
              refreshTree(r.codebook); flash(`Merged into ${r.into}: ${r.codings_moved} codings followed`); select(r.into);
            } catch (e) { flash(e.message, "error"); }
          } }, "Merge")),
        h("div", { class: "action" }, h("span", { class: "field-label", text: "Delete" }), c.count ? recodeSel : h("span", { class: "muted small", text: c.children.length ? "move or delete its sub-codes first" : "no codings" }),
          h("button", { type: "button", class: "danger", id: "delete-btn", disabled: c.children.length ? true : null, onclick: async () => {
            if (c.count && !recodeSel.value) { flash(`${c.name} has ${c.count} codings: choose a code to recode them to first`, "error"); return; }
            if (!confirm(`Delete “${c.name}”?` + (c.count ? ` Its ${c.count} codings become ${recodeSel.value}.` : ""))) return;
            try {
              const r = await api("DELETE", `/api/codes/${encodeURIComponent(c.id)}`, c.count ? { recode_to: recodeSel.value } : {});
              refreshTree(r.codebook); current = null; flash(`Deleted ${c.id}`);
              QC.fill(editor, h("p", { class: "muted", text: "Deleted. Choose another code on the left." }));
              history.replaceState(null, "", "/codes");
            } catch (e) { flash(e.message, "error"); }
          } }, "Delete"))),
      h("details", { class: "sub" }, h("summary", { text: "History" }), h("ol", { class: "history" }, ...c.history.slice().reverse().map((ev) =>
        h("li", {}, h("span", { class: "muted small", text: ev.time.replace("T", " ").slice(0, 19) + " · " + (ev.actor || "") + " · " }), ev.action,
          ev.after ? h("code", { class: "small", text: " " + QCUtil.changeText(ev.after).slice(0, 160) }) : null)))),
    );
  }

  function refreshTree(list) { codebook = list; drawTree(); }

  /* new code: the one dialog (newcode.js), under the code being edited */
  document.getElementById("new-code-btn").addEventListener("click", () => {
    QCNewCode.open("", (entry, list) => { refreshTree(list); select(entry.id); }, { parent: current ? current.id : "" });
  });

  drawTree();
  if (page.params.code) select(page.params.code);
  document.body.dataset.ready = "1";
})();
