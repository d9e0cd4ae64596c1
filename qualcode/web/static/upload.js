/* qualcode workbench, home: "Add interviews". Each chosen or dropped file is sent as it is to
   POST /api/transcripts?name=FILE (the server reads it as `qualcode load` does and never replaces a
   file); its one-line answer is listed, and a new document gets its row in the table at once. */
"use strict";
(() => {
  const { h, flash } = QC;
  const box = document.getElementById("add-interviews");
  const input = document.getElementById("upload-files");
  const log = document.getElementById("upload-log");
  const tbody = document.querySelector(".doc-table tbody");
  if (!box) return;

  async function send(file) {
    let resp, data = null;
    try {
      resp = await fetch(`/api/transcripts?name=${encodeURIComponent(file.name)}`, {
        method: "POST", body: file, credentials: "same-origin",
        headers: { "Content-Type": "application/octet-stream", "Accept": "application/json" } });
      try { data = await resp.json(); } catch (e) { data = null; }
    } catch (e) {
      return { ok: false, message: `${file.name}: the server does not answer (is qualcode open still running?)` };
    }
    if (!resp.ok) {
      const why = (data && data.error) || "the server answered " + resp.status;
      return { ok: false, message: why.startsWith(file.name + ":") ? why : `${file.name}: ${why}` };
    }
    return { ok: true, message: data.message, data };
  }

  function addRows(data) {
    for (const id of data.added) {
      const row = h("tr", { class: "new-doc" },
        h("td", {}, h("a", { class: "doc-link", href: `/documents/${encodeURIComponent(id)}`, text: id }), " ", h("span", { class: "pill", text: "new" })),
        h("td", { class: "num" }, h("div", { class: "muted small", text: `${data.turns} turns` })),
        h("td", { class: "speakers" }, ...data.speakers.map((s) => h("span", { class: "speaker" + (s.interviewer ? " interviewer" : ""), text: s.name }))),
        h("td", { class: "progress" }, h("span", { class: "muted", text: "not coded yet" })));
      tbody.append(row);
    }
    const count = document.querySelector(".documents h2 .count");
    if (count) count.textContent = String(data.documents.length);
  }

  async function upload(files) {
    let added = 0;
    for (const file of files) {
      const li = h("li", { class: "pending", text: `${file.name}: reading…` });
      log.append(li);
      const r = await send(file);
      li.className = r.ok ? "ok" : "error";
      li.textContent = r.message;
      if (r.ok) { added += r.data.added.length; addRows(r.data); }
    }
    if (added) flash(`Added ${added} document${added === 1 ? "" : "s"}`);
  }

  input.addEventListener("change", () => { const files = [...input.files]; input.value = ""; upload(files); });
  box.addEventListener("dragover", (ev) => { ev.preventDefault(); box.classList.add("drop"); });
  box.addEventListener("dragleave", () => box.classList.remove("drop"));
  box.addEventListener("drop", (ev) => { ev.preventDefault(); box.classList.remove("drop"); upload([...ev.dataTransfer.files]); });
})();
