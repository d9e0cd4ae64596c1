/* qualcode workbench: the one "new code" dialog (open coding: name, parent, colour, definition
   optional), used by the code picker's "+ New code…" (document page) and the codebook page's
   "+ New code"; and opening a passage in place from a #at=START-END link (Retrieve, Compare).
   The colour shown is the server's next unused palette colour; it is sent only when changed. */
"use strict";

window.QCNewCode = (() => {
  const { h, api, flash } = QC;
  let dialog = null;
  if (!document.querySelector('link[href="/static/newcode.css"]')) {
    document.head.append(h("link", { rel: "stylesheet", href: "/static/newcode.css" }));
  }

  function build() {
    const form = h("form", { method: "dialog", class: "form-grid", id: "new-code-form" },
      h("h2", { text: "New code" }),
      h("label", {}, "Name", h("input", { name: "name", required: true, maxlength: "200", autocomplete: "off" })),
      h("label", {}, "Under", h("select", { name: "parent" })),
      h("label", {}, "Colour", h("span", { class: "color-row" }, h("input", { name: "color", type: "color" }),
        h("span", { class: "muted small", text: "the next unused colour of the palette" }))),
      h("label", {}, "Definition (optional, fill in later)", h("textarea", { name: "description", rows: "3" })),
      h("div", { class: "row" }, h("button", { class: "primary", value: "ok", id: "new-code-create" }, "Create"),
        h("button", { value: "cancel", formnovalidate: true }, "Cancel")));
    dialog = h("dialog", { class: "dialog", id: "new-code-dialog" }, form);
    document.body.append(dialog);
    return dialog;
  }

  /* the picker's last entry; onCreated(codeEntry, codebookList) */
  function item(name, onCreated) {
    return h("li", { class: "pick new-code", role: "option", id: "picker-new-code",
      onmousedown: (ev) => { ev.preventDefault(); open(name, onCreated, { apply: true }); } },
      h("span", { class: "swatch", style: "background:#fff;border:1px dashed #9aa3b5" }),
      h("span", { class: "code-name", text: name ? `+ New code “${name}”…` : "+ New code…" }));
  }

  /* open the dialog: name prefilled, parent preselected; onCreated(entry, codebook) on success */
  async function open(name, onCreated, { parent = "", apply = false } = {}) {
    const d = dialog || build();
    const form = d.querySelector("form");
    let codebook = [], next = null;
    try {
      [codebook, next] = await Promise.all([api("GET", "/api/codebook").then((r) => r.codes), api("GET", "/api/codes/next-color")]);
    } catch (e) { flash(e.message, "error"); return; }
    form.reset();
    form.elements.name.value = name || "";
    QC.fill(form.elements.parent, h("option", { value: "", text: "(top level)" }),
      ...codebook.map((c) => h("option", { value: c.id, text: "\u2002".repeat(Math.min(c.depth, 4)) + c.name })));
    form.elements.parent.value = parent || "";
    form.elements.color.value = next.color;
    form.elements.color.dataset.chosen = "";
    form.elements.color.oninput = () => { form.elements.color.dataset.chosen = "1"; };
    d.querySelector("#new-code-create").textContent = apply ? "Create and apply" : "Create";
    form.onsubmit = async (ev) => {
      if (ev.submitter && ev.submitter.value === "cancel") return;
      ev.preventDefault();
      try {
        const body = { name: form.elements.name.value, parent: form.elements.parent.value || null,
          description: form.elements.description.value };
        if (form.elements.color.dataset.chosen) body.color = form.elements.color.value;
        const r = await api("POST", "/api/codes", body);
        d.close();
        const entry = r.codebook.find((c) => c.id === r.created);
        flash(`Created ${entry.name} (${entry.id})`);
        onCreated(entry, r.codebook);
      } catch (e) { flash(e.message, "error"); }
    };
    d.showModal();
    form.elements.name.focus();
  }

  /* #at=START-END: scroll to the passage and select it (c codes it, as any selection) */
  function openAt(hash, doc, focusTurn, setSel) {
    const head = document.querySelector(".doc-head");
    if (doc.blind && head) head.append(h("a", { class: "blind-note", href: "/compare", title: "Other coders' codings are hidden until you choose to compare" }, "blind mode: only your codings"));
    const m = /^#at=(\d+)-(\d+)$/.exec(hash || "");
    if (!m) return;
    const s = +m[1], e = +m[2];
    const i = doc.turns.findIndex((t) => t.start <= s && s < t.end);
    if (i < 0) return;
    focusTurn(i);
    const node = document.getElementById("transcript").children[i];
    if (node) { node.classList.add("flash-at"); setTimeout(() => node.classList.remove("flash-at"), 2500); }
    requestAnimationFrame(() => { try { setSel({ start: s, end: Math.max(e, s + 1) }); } catch (err) { /* turn not drawn yet */ } });
  }

  /* keyboard: Enter in the picker's filter when no code matches makes the new code */
  const filter = document.getElementById("picker-filter");
  if (filter) filter.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter" || document.querySelector("#picker-list .pick:not(.new-code)")) return;
    const it = document.getElementById("picker-new-code");
    if (!it) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    it.dispatchEvent(new MouseEvent("mousedown", { bubbles: true, cancelable: true }));
  }, true);

  return { item, open, openAt };
})();
