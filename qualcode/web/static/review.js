/* qualcode workbench, review: one suggestion on screen, keyboard first (Prodigy's way).
   a accept, r reject, space next; select text in the passage (or Shift/Alt+Shift+arrows) to
   adjust the span before accepting. Every decision is saved as it is made. */
"use strict";
(() => {
  const { h, api, flash, pageData, fmt, offsets, isTyping } = QC;
  const data = pageData();
  const codes = new Map(data.codebook.map((c) => [c.id, c]));
  const card = document.getElementById("card");
  const fOrder = document.getElementById("f-order"), fCode = document.getElementById("f-code"), fDoc = document.getElementById("f-document");
  const state = { items: [], i: 0, total: 0, adjust: null, skipped: new Set() };

  for (const c of data.codebook) {
    const label = "\u00a0\u00a0".repeat(Math.min(c.depth, 4)) + c.name;
    fCode.append(h("option", { value: c.id, text: label }));
    document.getElementById("bulk-code").append(h("option", { value: c.id, text: label }));
  }
  for (const d of data.documents) fDoc.append(h("option", { value: d, text: d }));
  fOrder.value = data.params.order || "score"; fCode.value = data.params.code || ""; fDoc.value = data.params.document || "";

  async function load() {
    const q = new URLSearchParams({ order: fOrder.value, limit: "50" });
    if (fCode.value) q.set("code", fCode.value);
    if (fDoc.value) q.set("document", fDoc.value);
    history.replaceState(null, "", "/review?" + q.toString());
    try {
      const out = await api("GET", "/api/suggestions?" + q.toString());
      state.items = out.items.filter((s) => !state.skipped.has(s.id));
      state.total = out.total; state.i = 0; state.adjust = null;
      draw();
    } catch (e) { flash(e.message, "error"); }
  }

  function current() { return state.items[state.i]; }

  function draw() {
    const s = current();
    document.getElementById("queue-count").textContent = `${state.total} suggestion${state.total === 1 ? "" : "s"} to review`;
    if (!s) {
      QC.fill(card, h("div", { class: "empty" }, h("h2", { text: "Nothing to review here" }),
        h("p", { text: "No open suggestions match. Code more passages by hand: after each decision the classifier retrains in the background, and codes it can predict well enough start suggesting." }),
        h("p", {}, h("a", { href: "/", text: "See what the classifier can predict →" }))));
      return;
    }
    const code = codes.get(s.code) || { name: s.code, color: "#888888", description: "", inclusion: "", exclusion: "" };
    const span = state.adjust || { start: s.start, end: s.end };
    const conv = offsets(s.context);
    const rel = (o) => conv.toU16(Math.max(0, Math.min(o - s.context_start, conv.length)));
    // a chat model's suggestion: its model's name, and its evidence marked where it is in the
    // suggested passage (found as the model's answer was checked; not found: no mark)
    const llm = s.method === "llm" ? QCUtil.llmMemo(s.memo) : null;
    let ev = null;
    if (llm && llm.evidence) {
      const a = rel(s.start), found = QCUtil.evidenceSpan(s.context.slice(a, rel(s.end)), llm.evidence);
      ev = found && [a + found[0], a + found[1]];
    }
    const part = (cls, a, b) => {
      if (!ev || ev[1] <= a || ev[0] >= b) return h("span", { class: cls, text: s.context.slice(a, b) });
      const x = Math.max(a, ev[0]), y = Math.min(b, ev[1]);
      return h("span", { class: cls }, s.context.slice(a, x),
        h("mark", { class: "evidence", title: "the model's evidence", text: s.context.slice(x, y) }), s.context.slice(y, b));
    };
    const passage = h("div", { class: "passage", id: "passage", style: `--c:${code.color}` },
      part("ctx", 0, rel(span.start)),
      part("hl" + (state.adjust ? " adjusted" : ""), rel(span.start), rel(span.end)),
      part("ctx", rel(span.end), s.context.length));
    passage.dataset.start = s.context_start;
    QC.fill(card,
      h("div", { class: "card-code" }, h("span", { class: "swatch", style: `background:${code.color}` }), h("strong", { text: code.name }), h("span", { class: "code-id", text: s.code })),
      code.description ? h("p", { class: "card-def", text: code.description }) : null,
      code.inclusion ? h("p", { class: "card-def" }, h("strong", { text: "Use when: " }), code.inclusion) : null,
      code.exclusion ? h("p", { class: "card-def" }, h("strong", { text: "Not when: " }), code.exclusion) : null,
      h("div", { class: "card-meta" },
        h("span", { class: "score" }, "score ", h("span", { class: "bar" }, h("span", { style: `width:${Math.round(100 * (s.score || 0))}%` })), h("strong", { text: fmt(s.score) })),
        h("span", {}, h("a", { href: `/documents/${encodeURIComponent(s.document)}`, text: s.document }), ` · ${s.speaker} · ${span.start}–${span.end}`),
        h("span", { class: "muted", text: `${s.coder} (${s.method})` }),
        llm && (s.model || llm.model) ? h("span", { class: "model-name", title: "the chat model that suggested it", text: `model ${s.model || llm.model}` }) : null,
        state.adjust ? h("span", { class: "note", text: "span adjusted" }) : null),
      passage,
      llm && llm.evidence ? h("p", { class: "card-why" }, h("strong", { text: "Evidence: " }), `“${llm.evidence}”`,
        ev ? null : h("span", { class: "muted small", text: " (not found in this passage)" }))
        : s.memo ? h("p", { class: "card-why" }, h("strong", { text: "Why: " }), s.memo) : null,
      h("div", { class: "card-actions" },
        h("button", { class: "accept-btn", onclick: () => decide("accept") }, "Accept ", h("kbd", { text: "a" })),
        h("button", { class: "reject-btn", onclick: () => decide("reject") }, "Reject ", h("kbd", { text: "r" })),
        h("button", { onclick: next }, "Skip ", h("kbd", { text: "space" })),
        h("span", { class: "spacer" }),
        h("span", { class: "muted small", text: `${state.i + 1} of ${state.items.length} loaded` })));
    card.focus({ preventScroll: true });
  }

  function selectionSpan() {
    const s = current(), sel = window.getSelection();
    const passage = document.getElementById("passage");
    if (!s || !sel || sel.isCollapsed || !passage || !passage.contains(sel.anchorNode) || !passage.contains(sel.focusNode)) return null;
    const r = sel.getRangeAt(0);
    const pos = (node, off) => {   // code points from the start of the passage
      const pre = document.createRange();
      pre.setStart(passage, 0); pre.setEnd(node, off);
      return Array.from(pre.toString()).length;
    };
    let a = pos(r.startContainer, r.startOffset), b = pos(r.endContainer, r.endOffset);
    const str = Array.from(s.context).slice(a, b).join("");
    a += Array.from(str.slice(0, str.length - str.trimStart().length)).length;
    b -= Array.from(str.slice(str.trimEnd().length)).length;
    return b > a ? { start: s.context_start + a, end: s.context_start + b } : null;
  }

  card.addEventListener("mouseup", () => setTimeout(() => {
    const span = selectionSpan();
    if (span) { state.adjust = span; window.getSelection().removeAllRanges(); draw(); }
  }, 0));


  async function decide(kind) {
    const s = current();
    if (!s) return;
    try {
      const body = kind === "accept" && state.adjust ? { start: state.adjust.start, end: state.adjust.end } : {};
      body.was = { document: s.document, start: s.start, end: s.end, code: s.code };  // ids change when the model retrains
      await api("POST", `/api/suggestions/${s.id}/${kind}`, body);
      const code = codes.get(s.code) || { name: s.code };
      document.getElementById("done-list").prepend(h("li", {}, h("span", { class: kind === "accept" ? "acc" : "rej", text: kind === "accept" ? "accepted" : "rejected" }),
        h("span", { text: `${code.name} · ${s.document}` })));
      state.items.splice(state.i, 1); state.total -= 1; state.adjust = null;
      if (state.i >= state.items.length) await load(); else draw();
    } catch (e) {
      flash(e.message, "error");
      if (e.status === 409 || e.status === 404 || e.status === 400) await load();
    }
  }

  function next() {
    const s = current();
    if (s) state.skipped.add(s.id);
    state.adjust = null;
    if (state.i + 1 < state.items.length) { state.i += 1; draw(); } else load();
  }

  async function undo() {
    try {
      const out = await api("POST", "/api/undo", {});
      flash(out.undone ? `Undone: ${out.undone.action || "last action"}` : out.message);
      state.skipped.clear();
      await load();
    } catch (e) { flash(e.message, "error"); }
  }

  document.addEventListener("keydown", (ev) => {
    if (isTyping(ev) || ev.metaKey) return;
    const s = current();
    if (ev.key === "u" || (ev.key === "z" && ev.ctrlKey)) { ev.preventDefault(); undo(); return; }
    if (ev.ctrlKey || !s) return;
    if (ev.key === "a") { ev.preventDefault(); decide("accept"); }
    else if (ev.key === "r") { ev.preventDefault(); decide("reject"); }
    else if (ev.key === " ") { ev.preventDefault(); next(); }
    else if ((ev.key === "ArrowLeft" || ev.key === "ArrowRight") && ev.shiftKey) {
      ev.preventDefault();
      // as in the document view (QCUtil.adjustSpan): by words, never onto white space; the
      // context's offsets are relative to context_start
      const base = s.context_start, span = state.adjust || { start: s.start, end: s.end };
      const moved = QCUtil.adjustSpan(s.context, offsets(s.context), { start: span.start - base, end: span.end - base },
        ev.key === "ArrowRight" ? 1 : -1, ev.altKey);
      state.adjust = { start: moved.start + base, end: moved.end + base }; draw();
    } else if (ev.key === "Escape" && state.adjust) { state.adjust = null; draw(); }
  });

  [fOrder, fCode, fDoc].forEach((el) => el.addEventListener("change", () => {
    state.skipped.clear();
    if (el === fCode && fCode.value) document.getElementById("bulk-code").value = fCode.value;
    load();
  }));
  if (fCode.value) document.getElementById("bulk-code").value = fCode.value;

  const bulk = document.getElementById("bulk-form"), confirmBox = document.getElementById("bulk-confirm");
  bulk.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const code = document.getElementById("bulk-code").value, score = parseFloat(document.getElementById("bulk-score").value);
    try {
      const out = await api("POST", "/api/suggestions/accept-all", { code, min_score: score });
      const name = (codes.get(code) || { name: code }).name;
      confirmBox.hidden = false;
      if (!out.count) { QC.fill(confirmBox, h("p", { text: `No open suggestion of ${name} scores ${score} or more.` })); return; }
      QC.fill(confirmBox,
        h("p", {}, "Accept ", h("strong", { text: String(out.count) }), ` suggestion${out.count === 1 ? "" : "s"} of `, h("strong", { text: name }), ` with score ≥ ${score}? Each becomes your coding.`),
        h("div", { class: "row" },
          h("button", { class: "primary", id: "bulk-yes", onclick: async () => {
            try {
              const done = await api("POST", "/api/suggestions/accept-all", { code, min_score: score, confirm: out.count });
              QC.fill(confirmBox, h("p", { text: `Accepted ${done.accepted}. u undoes them one by one.` }));
              await load();
            } catch (e) { flash(e.message, "error"); confirmBox.hidden = true; }
          } }, `Accept ${out.count}`),
          h("button", { onclick: () => { confirmBox.hidden = true; } }, "Cancel")));
    } catch (e) { flash(e.message, "error"); }
  });

  load();
})();
