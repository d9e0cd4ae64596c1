/* qualcode workbench: read and code one document.
   The transcript is drawn from the page's JSON: each turn is a block, its text cut into pieces at
   every coding boundary; a piece knows its code-point offset (data-a), so a selection maps back to
   the offsets the store keeps. Human codings fill their pieces with the code's colour (bands of
   each colour where codings overlap) and draw a stripe in the margin; suggestions are dashed. */
"use strict";

(() => {
  const { h, api, flash, pageData, offsets, isTyping } = QC;
  const U = QCUtil;
  const page = pageData();
  let doc = page.document;
  let conv = offsets(doc.text);
  const codes = new Map(doc.codebook.map((c) => [c.id, c]));
  const transcript = document.getElementById("transcript");
  const state = {
    sel: null,            // {start, end} in code points: the span to code
    picker: null,         // {mode: "new"|"recode"|"accept", coding}
    focusTurn: -1,        // keyboard focus: index into doc.turns
    open: [],             // ids of the codings shown in the side panel
    editSpan: null,       // the coding whose span is being edited
    pieces: [],           // [{a, b, el}] sorted
    names: localStorage.getItem("qc-stripe-names") === "1",    // code names beside the stripes
    original: localStorage.getItem("qc-original-layout") === "1",  // source line breaks kept
  };

  /* ---- drawing ------------------------------------------------------------------------------ */

  function slice(a, b) { return doc.text.slice(conv.toU16(a), conv.toU16(b)); }

  function bucketCodings() { return U.bucketCodings(doc.turns, doc.codings); }

  function color(code) { return (codes.get(code) || { color: "#888888" }).color; }
  function codeName(code) { return (codes.get(code) || { name: code }).name; }
  const isSugg = (c) => c.status === "suggested";

  function pieceStyle(human) { return U.highlightStyle(human.map((c) => color(c.code))); }

  function renderTurn(t, list) {
    const cls = "turn" + (t.interviewer ? " interviewer" : "");
    const text = h("div", { class: "turn-text" });
    // shown text: the source's with line breaks inside a turn as spaces (same length, so the
    // offsets of every piece are the source's), unless the original layout is asked for
    const u0 = conv.toU16(t.start);
    const source = slice(t.start, t.end);
    const shown = state.original ? source : U.unwrap(source);
    const stamps = U.timestamps(source).map(([x, y]) => ({ start: conv.toCp(u0 + x), end: conv.toCp(u0 + y) }));
    const isStamp = (a, b) => stamps.some((st) => st.start <= a && b <= st.end);
    const points = U.cutPoints(t, list, stamps);
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i], b = points[i + 1];
      const over = list.filter((c) => c.start < b && c.end > a);
      const human = over.filter((c) => !isSugg(c));
      const sugg = over.filter(isSugg);
      const el = h("span", { class: "piece" + (human.length ? " coded" : "") + (human.length > 1 ? " overlap" : "") + (sugg.length ? " sugg" : "") + (isStamp(a, b) ? " ts-inline" : ""),
        style: pieceStyle(human) + (sugg.length ? `;--sugg:${color(sugg[0].code)}` : "") },
        shown.slice(conv.toU16(a) - u0, conv.toU16(b) - u0));
      el.dataset.a = a; el.dataset.b = b;
      text.append(el);
    }
    const meta = h("div", { class: "turn-meta" },
      t.timestamp ? h("span", { class: "ts", text: t.timestamp }) : null,
      h("span", { class: "spk", text: t.speaker }));
    const node = h("div", { class: cls, dataset: { turn: t.turn, start: t.start, end: t.end } },
      meta, text, h("div", { class: "stripes" }));
    if (t.interviewer) node.title = "Interviewer turn: kept for reading, not coded";
    return node;
  }

  /* Turns off screen are neither laid out (CSS content-visibility) nor given stripes until they
     scroll into view: a 300,000-character interview opens as fast as a short one. */
  const seen = new IntersectionObserver((entries) => {
    const show = [];
    for (const e of entries) if (e.isIntersecting) { show.push(+e.target.dataset.index); seen.unobserve(e.target); }
    if (show.length) drawStripes(show);
  }, { rootMargin: "600px 0px" });

  function watch(node, i) {
    node.dataset.index = i;
    if (state.buckets[i] && state.buckets[i].length) seen.observe(node);
  }

  function render() {
    const buckets = bucketCodings();
    state.buckets = buckets;
    seen.disconnect();
    const frag = document.createDocumentFragment();
    const nodes = doc.turns.map((t, i) => renderTurn(t, buckets[i]));
    frag.append(...nodes);
    QC.fill(transcript, frag);
    nodes.forEach(watch);
    indexPieces();
    if (state.focusTurn >= 0) focusTurn(state.focusTurn, false);
  }

  function rerenderTurns(indices) {
    const buckets = bucketCodings();
    state.buckets = buckets;
    const nodes = transcript.children;
    for (const i of indices) {
      if (i < 0 || i >= nodes.length) continue;
      seen.unobserve(nodes[i]);
      const fresh = renderTurn(doc.turns[i], buckets[i]);
      fresh.dataset.index = i;
      nodes[i].replaceWith(fresh);
    }
    indexPieces();
    drawStripes(indices);
    if (state.focusTurn >= 0) focusTurn(state.focusTurn, false);
  }

  function turnsOf(c) {
    const out = [];
    doc.turns.forEach((t, i) => { if (t.start < Math.max(c.end, c.start + 1) && t.end > c.start) out.push(i); });
    return out;
  }

  function indexPieces() {
    state.pieces = Array.from(transcript.querySelectorAll(".piece"), (el) => ({ a: +el.dataset.a, b: +el.dataset.b, el }));
  }

  function pieceAt(offset, preferEnd) {
    const p = state.pieces;
    let lo = 0, hi = p.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (p[mid].a <= offset) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (best < 0) return p[0];
    if (preferEnd && p[best].a === offset && best > 0 && p[best - 1].b === offset) return p[best - 1];
    return p[best];
  }

  /* NVivo-style coding stripes: one lane per overlapping coding, beside the turn. */
  function drawStripes(only) {
    const nodes = transcript.children;
    const indices = Array.isArray(only) ? only : doc.turns.map((_, i) => i);
    const jobs = [];
    for (const i of indices) {
      const list = state.buckets[i] || [];
      const node = nodes[i];
      if (!node) continue;
      const box = node.querySelector(".stripes");
      if (!list.length) { QC.fill(box); continue; }
      const pieces = Array.from(node.querySelectorAll(".piece"));
      jobs.push({ node, box, list, pieces });
    }
    // read all geometry first, then write: one layout
    for (const job of jobs) {
      const top0 = job.node.getBoundingClientRect().top;
      job.geo = job.list.map((c) => {
        const first = job.pieces.find((p) => +p.dataset.b > c.start);
        let last = first;
        for (const p of job.pieces) if (+p.dataset.a < c.end) last = p;
        if (!first) return null;
        return { top: first.getBoundingClientRect().top - top0, bottom: last.getBoundingClientRect().bottom - top0 };
      });
    }
    const laneWidth = state.names ? 22 : 7;
    for (const job of jobs) {
      const order = job.list.map((c, k) => k).filter((k) => job.geo[k]).sort((x, y) => job.geo[x].top - job.geo[y].top);
      const lanes = U.lanes(order.map((k) => job.geo[k]));
      const stripes = order.map((k, j) => {
        const c = job.list[k], g = job.geo[k];
        const s = h("span", { class: "stripe" + (isSugg(c) ? " sugg" : "") + (state.open.includes(c.id) ? " selected" : ""),
          title: `${codeName(c.code)} · ${c.coder}${isSugg(c) ? " (suggestion, score " + QC.fmt(c.score) + ")" : ""}`,
          style: `top:${g.top}px;height:${Math.max(g.bottom - g.top, 4)}px;left:${lanes[j] * laneWidth}px;--c:${color(c.code)}` },
          h("span", { class: "stripe-name", text: codeName(c.code) }));
        s.dataset.id = c.id;
        s.dataset.code = c.code;
        return s;
      });
      QC.fill(job.box, ...stripes);
    }
  }

  /* the stripes of the codings open in the side panel (and of the code chosen in the picker)
     stand out */
  function markStripes() {
    const picked = state.picker && matches[active] ? matches[active].id : null;
    transcript.querySelectorAll(".stripe").forEach((el) => {
      el.classList.toggle("selected", state.open.includes(+el.dataset.id));
      el.classList.toggle("picked", el.dataset.code === picked);
    });
  }

  /* ---- selection -> offsets ----------------------------------------------------------------- */

  function pointOffset(node, off, isEnd) {
    const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const piece = el && el.closest ? el.closest(".piece") : null;
    if (piece && node.nodeType === Node.TEXT_NODE) {
      const before = node.textContent.slice(0, off);
      return +piece.dataset.a + Array.from(before).length;
    }
    if (piece) return off === 0 ? +piece.dataset.a : +piece.dataset.b;
    // a boundary between elements (beside a speaker label, in an interviewer turn): the nearest
    // codable text after it (a start) or before it (an end), found by document position
    const point = document.createRange();
    point.setStart(node, off);
    const whole = document.createRange();
    const after = (p) => { whole.selectNodeContents(p.el); return point.compareBoundaryPoints(Range.START_TO_START, whole) <= 0; };
    const p = state.pieces;
    let lo = 0, hi = p.length;                 // first piece starting at or after the point
    while (lo < hi) { const mid = (lo + hi) >> 1; if (after(p[mid])) hi = mid; else lo = mid + 1; }
    if (isEnd) return lo > 0 ? p[lo - 1].b : null;
    return lo < p.length ? p[lo].a : null;
  }

  function selectionOffsets() {
    const s = window.getSelection();
    if (!s || s.rangeCount === 0 || s.isCollapsed) return null;
    const r = s.getRangeAt(0);
    if (!transcript.contains(r.commonAncestorContainer)) return null;
    let a = pointOffset(r.startContainer, r.startOffset, false);
    let b = pointOffset(r.endContainer, r.endOffset, true);
    if (a === null || b === null) return null;
    return U.trimSpan(doc.text, conv, a, b);       // white space at both ends left out
  }

  function domPoint(offset, isEnd) {
    const p = pieceAt(offset, isEnd);
    if (!p) return null;
    const node = p.el.firstChild || p.el;
    const within = Math.max(0, Math.min(offset, p.b) - p.a);
    const str = p.el.textContent;
    return { node, off: Array.from(str).slice(0, within).join("").length };
  }

  function showSelection(sel) {
    const s = window.getSelection();
    const a = domPoint(sel.start, false), b = domPoint(sel.end, true);
    if (!a || !b) return;
    const r = document.createRange();
    r.setStart(a.node, a.off); r.setEnd(b.node, b.off);
    s.removeAllRanges(); s.addRange(r);
    markPending(r);
  }

  function markPending(range) {
    if (!window.CSS || !CSS.highlights || typeof Highlight === "undefined") return;
    if (range) CSS.highlights.set("qc-pending", new Highlight(range.cloneRange()));
    else CSS.highlights.delete("qc-pending");
  }

  function setSel(sel, why) {
    state.sel = sel;
    if (!sel) { markPending(null); return; }
    showSelection(sel);
    if (state.editSpan) showCoding(state.open);
    else if (why === "mouse" || why === "turn") openPicker({ mode: "new" });
  }

  /* Shift(+Alt)+arrow: the selection's end (start) by a word; in the open picker the filter
     keeps the focus and the quote follows */
  function adjustSel(dir, moveStart) {
    const sel = U.adjustSpan(doc.text, conv, state.sel, dir, moveStart);
    if (state.picker && state.picker.mode === "new") {
      state.sel = sel;
      const a = domPoint(sel.start, false), b = domPoint(sel.end, true);
      if (a && b) { const r = document.createRange(); r.setStart(a.node, a.off); r.setEnd(b.node, b.off); markPending(r); }
      showQuote(sel);
    } else setSel(sel);
  }

  function showQuote(span) {
    const quote = span ? slice(span.start, span.end) : "";
    document.getElementById("sel-quote").textContent = quote.length > 300 ? quote.slice(0, 300) + "…" : quote;
  }

  /* ---- the code picker ---------------------------------------------------------------------- */

  const pickerPanel = document.getElementById("picker-panel");
  const filter = document.getElementById("picker-filter");
  const list = document.getElementById("picker-list");
  const detail = document.getElementById("picker-detail");
  let matches = [], active = 0;

  function openPicker(mode) {
    state.picker = mode;
    pickerPanel.hidden = false;
    pickerPanel.querySelector("h2").textContent = mode.mode === "recode" ? "Change the code" :
      mode.mode === "accept" ? "Accept as another code" : "Code the selection";
    showQuote(mode.mode === "new" ? state.sel : mode.coding);
    filter.value = typed || "";
    typed = "";
    filterCodes();
    filter.focus({ preventScroll: true });
  }

  function closePicker() {
    state.picker = null;
    pickerPanel.hidden = true;
    markPending(null);
    markStripes();
  }

  function filterCodes() {
    matches = U.rankCodes(doc.codebook, filter.value);
    active = 0;
    drawPicker();
  }

  function drawPicker() {
    QC.fill(list, ...matches.map((c, i) => {
      const li = h("li", { class: "pick" + (i === active ? " active" : ""), role: "option",
        style: `padding-left:${0.5 + 0.8 * Math.min(c.depth, 4)}rem`,
        onmousedown: (ev) => { ev.preventDefault(); active = i; applyPick(); } },
        h("span", { class: "swatch", style: `background:${c.color}` }),
        h("span", { class: "code-name", text: c.name }), h("span", { class: "code-id", text: c.id }));
      return li;
    }));
    if (!matches.length) list.append(h("li", { class: "muted", text: "no code matches" }));
    if (window.QCNewCode) list.append(QCNewCode.item(filter.value.trim(), (code, codebook) => {  // the new-code dialog (newcode.js)
      doc.codebook = codebook; codebook.forEach((x) => codes.set(x.id, x));
      matches = [code]; active = 0; applyPick();
    }));
    const c = matches[active];
    const cur = list.children[active];
    if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: "nearest" });
    QC.fill(detail, ...(c ? codeDetail(c) : []));
    markStripes();
  }

  function codeDetail(c) {
    const out = [h("h3", {}, h("span", { class: "swatch", style: `background:${c.color}` }), c.name)];
    if (c.description) out.push(h("p", { text: c.description }));
    if (c.inclusion) out.push(h("p", {}, h("strong", { text: "Use when: " }), c.inclusion));
    if (c.exclusion) out.push(h("p", {}, h("strong", { text: "Not when: " }), c.exclusion));
    if (c.keywords.length) out.push(h("p", { class: "muted small", text: "Keywords: " + c.keywords.join(", ") }));
    return out;
  }

  filter.addEventListener("input", filterCodes);
  filter.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") { active = Math.min(active + 1, matches.length - 1); drawPicker(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp") { active = Math.max(active - 1, 0); drawPicker(); ev.preventDefault(); }
    else if (ev.key === "Enter") { ev.preventDefault(); applyPick(); }
    else if (ev.key === "Escape") { ev.preventDefault(); closePicker(); transcript.focus({ preventScroll: true }); }
    else if ((ev.key === "ArrowLeft" || ev.key === "ArrowRight") && ev.shiftKey && state.sel && state.picker && state.picker.mode === "new") {
      ev.preventDefault();
      adjustSel(ev.key === "ArrowRight" ? 1 : -1, ev.altKey);
    }
  });

  async function applyPick() {
    const c = matches[active];
    const mode = state.picker;
    if (!c || !mode) return;
    try {
      if (mode.mode === "new") {
        if (!state.sel) { flash("Select some text first", "error"); return; }
        const row = await api("POST", "/api/codings", { document: doc.id, start: state.sel.start, end: state.sel.end, code: c.id });
        doc.codings.push(row);
        rerenderTurns(turnsOf(row));
        flash(`Coded as ${c.name} · u to undo`);
        window.getSelection().removeAllRanges();
        state.sel = null;
      } else if (mode.mode === "recode") {
        const row = await api("PATCH", `/api/codings/${mode.coding.id}`, { code: c.id, version: mode.coding.version });
        replaceCoding(row);
        flash(`Changed to ${c.name}`);
        showCoding([row.id]);
      } else if (mode.mode === "accept") {
        await accept(mode.coding, { code: c.id });
      }
      closePicker();
      transcript.focus({ preventScroll: true });
    } catch (e) { await failed(e); }
  }

  /* ---- codings: show, edit, delete, accept, reject ------------------------------------------- */

  const codingPanel = document.getElementById("coding-panel");

  function byId(id) { return doc.codings.find((c) => c.id === id); }

  function replaceCoding(row) {
    const i = doc.codings.findIndex((c) => c.id === row.id);
    const old = i >= 0 ? doc.codings[i] : null;
    if (i >= 0) doc.codings[i] = row; else doc.codings.push(row);
    rerenderTurns([...new Set([...(old ? turnsOf(old) : []), ...turnsOf(row)])]);
  }

  function removeCoding(id) {
    const old = byId(id);
    doc.codings = doc.codings.filter((c) => c.id !== id);
    if (old) rerenderTurns(turnsOf(old));
  }

  function showCoding(ids, keepMemo) {
    state.open = ids.filter((id) => byId(id));
    if (!state.open.length) { codingPanel.hidden = true; state.editSpan = null; markStripes(); return; }
    codingPanel.hidden = false;
    const cards = state.open.map((id) => codingCard(byId(id), keepMemo && keepMemo[id]));
    QC.fill(codingPanel, h("h2", { text: state.open.length > 1 ? `${state.open.length} codings here` : (isSugg(byId(state.open[0])) ? "Suggestion" : "Coding") }), ...cards);
    markStripes();
  }

  function codingCard(c, memoDraft) {
    const sugg = isSugg(c);
    const quote = slice(c.start, c.end);
    const card = h("div", { class: "coding-card" + (sugg ? " sugg" : ""), dataset: { id: c.id } },
      h("div", { class: "card-head" }, h("span", { class: "swatch", style: `background:${color(c.code)}` }),
        h("strong", { text: codeName(c.code) }), h("span", { class: "code-id", text: c.code })),
      h("blockquote", { class: "sel-quote", text: quote.length > 240 ? quote.slice(0, 240) + "…" : quote }),
      h("div", { class: "muted small" }, sugg ? `suggested by ${c.coder} · score ${QC.fmt(c.score)}` :
        `${c.coder} · version ${c.version}${c.suggestion_id ? " · from suggestion " + c.suggestion_id : ""}`,
        ` · ${c.start}–${c.end}`));
    if (sugg) {
      if (c.memo) card.append(h("p", { class: "why" }, h("strong", { text: "Why: " }), c.memo));
      card.append(h("div", { class: "row" },
        h("button", { class: "primary", onclick: () => accept(c, {}) }, "Accept ", h("kbd", { text: "a" })),
        h("button", { onclick: () => reject(c) }, "Reject ", h("kbd", { text: "r" })),
        h("button", { onclick: () => openPicker({ mode: "accept", coding: c }) }, "Other code…")));
    } else if (page.coder && c.coder !== page.coder) {   // another coder's: theirs to change
      if (c.memo) card.append(h("p", { class: "why" }, h("strong", { text: `${c.coder}'s memo: ` }), c.memo));
      card.append(h("p", { class: "muted small", text: `${c.coder}'s coding: only ${c.coder} can change it` }));
    } else {
      const memo = h("textarea", { rows: 3, placeholder: "Memo on this coding…" });
      memo.value = memoDraft !== undefined ? memoDraft : (c.memo || "");
      card.append(memo, h("div", { class: "row" },
        h("button", { onclick: () => saveMemo(c, memo.value) }, "Save memo"),
        h("button", { onclick: () => openPicker({ mode: "recode", coding: c }) }, "Change code"),
        h("button", { onclick: () => startEditSpan(c) }, state.editSpan === c.id ? "Editing span…" : "Edit span"),
        h("button", { class: "danger", onclick: () => del(c) }, "Delete")));
      if (memoDraft !== undefined && memoDraft !== (c.memo || "")) {
        card.append(h("p", { class: "note", text: "Your memo text is kept above but was not saved: the coding changed elsewhere. Save again to keep it." }));
      }
    }
    if (state.editSpan === c.id) {
      const sel = state.sel;
      card.append(h("div", { class: "edit-span" },
        h("p", { class: "small", text: sel ? `New span: “${slice(sel.start, sel.end).slice(0, 120)}”` : "Select the new span in the text (mouse, or Shift/Alt+Shift+arrows)." }),
        h("div", { class: "row" },
          h("button", { class: "primary", disabled: !sel, onclick: () => saveSpan(c) }, "Save span"),
          h("button", { onclick: () => { state.editSpan = null; setSel(null); showCoding(state.open); } }, "Cancel"))));
    }
    const hist = h("details", { class: "history" }, h("summary", { text: "History" }));
    hist.addEventListener("toggle", async () => {
      if (!hist.open || hist.dataset.loaded) return;
      hist.dataset.loaded = "1";
      try {
        const full = await api("GET", `/api/codings/${c.id}`);
        hist.append(h("ol", {}, ...full.history.map((e) => h("li", {},
          h("span", { class: "muted", text: (e.time || "").replace("T", " ").slice(0, 19) + " " }),
          h("strong", { text: e.actor || "" }), " " + (e.action || "")))));
      } catch (e) { hist.append(h("p", { class: "error-message", text: e.message })); }
    });
    card.append(hist);
    return card;
  }

  function startEditSpan(c) {
    state.editSpan = c.id;
    state.sel = { start: c.start, end: c.end };
    showSelection(state.sel);
    showCoding([c.id]);
    transcript.focus({ preventScroll: true });
  }

  async function saveSpan(c) {
    if (!state.sel) return;
    try {
      const row = await api("PATCH", `/api/codings/${c.id}`, { start: state.sel.start, end: state.sel.end, version: c.version });
      state.editSpan = null;
      setSel(null);
      window.getSelection().removeAllRanges();
      replaceCoding(row);
      showCoding([row.id]);
      flash("Span changed · u to undo");
    } catch (e) { await failed(e); }
  }

  async function saveMemo(c, text) {
    try {
      const out = await api("PUT", `/api/memos/coding/${c.id}`, { text, version: c.version });
      replaceCoding(out.coding);
      showCoding([c.id]);
      flash("Memo saved");
    } catch (e) { await failed(e, { [c.id]: text }); }
  }

  async function del(c) {
    try {
      await api("DELETE", `/api/codings/${c.id}`, { version: c.version });
      removeCoding(c.id);
      showCoding(state.open.filter((id) => id !== c.id));
      flash(`Deleted ${codeName(c.code)} · u to undo`);
    } catch (e) { await failed(e); }
  }

  async function accept(c, extra) {
    try {
      const body = Object.assign({ was: { document: doc.id, start: c.start, end: c.end, code: c.code } }, extra);
      if (state.editSpan === null && state.sel && state.open.includes(c.id) && state.sel.start < c.end && state.sel.end > c.start) {
        body.start = state.sel.start; body.end = state.sel.end;   // an adjusted span
      }
      const out = await api("POST", `/api/suggestions/${c.id}/accept`, body);
      removeCoding(c.id);
      if (out.coding) { doc.codings.push(out.coding); rerenderTurns(turnsOf(out.coding)); }
      setSel(null);
      showCoding(out.coding ? [out.coding.id] : []);
      flash(`Accepted ${codeName(out.coding ? out.coding.code : c.code)} · u to undo`);
    } catch (e) { await failed(e); }
  }

  async function reject(c) {
    try {
      await api("POST", `/api/suggestions/${c.id}/reject`, { was: { document: doc.id, start: c.start, end: c.end, code: c.code } });
      removeCoding(c.id);
      showCoding(state.open.filter((id) => id !== c.id));
      flash(`Rejected ${codeName(c.code)} · u to undo`);
    } catch (e) { await failed(e); }
  }

  async function undo() {
    try {
      const out = await api("POST", "/api/undo", {});
      await reload();
      flash(out.undone ? `Undone: ${out.undone.action || "last action"}` : out.message);
    } catch (e) { await failed(e); }
  }

  async function failed(e, memoDrafts) {
    if (e.status === 409 || e.status === 404) {
      flash(e.message + " — showing the current version; nothing of the other change was lost.", "error");
      const open = state.open.slice();
      await reload();
      showCoding(open, memoDrafts);
    } else {
      flash(e.message, "error");
    }
  }

  function signature(d) {
    return d.codings.map((c) => `${c.id}:${c.version}:${c.status}`).sort().join(",") + "|" + d.memo +
      "|" + (d.memos || []).map((m) => m.coder + ":" + m.updated_at).join(",");
  }

  async function reload(onlyIfChanged) {
    const fresh = await api("GET", `/api/documents/${encodeURIComponent(doc.id)}`);
    if (onlyIfChanged && (signature(fresh) === signature(doc) || mouseDown || state.sel || state.picker)) return;
    const editing = document.activeElement === docMemo;   // the memo being written keeps the
    if (editing) fresh.memo_version = doc.memo_version;   // version it was loaded at (409 if stale)
    doc = fresh;
    conv = offsets(doc.text);
    render();
    if (document.activeElement !== docMemo) docMemo.value = doc.memo || "";
    showOtherMemos();
  }

  let mouseDown = false;
  document.addEventListener("mousedown", () => { mouseDown = true; }, true);
  document.addEventListener("mouseup", () => { mouseDown = false; }, true);

  /* ---- document memo ------------------------------------------------------------------------ */

  const docMemo = document.getElementById("doc-memo");
  docMemo.value = doc.memo || "";
  function showOtherMemos() {   // the other coders' memos: read-only, each marked with its author
    const box = document.getElementById("doc-memos-others");
    box.replaceChildren(...(doc.memos || []).map((m) => h("div", { class: "other-memo" },
      h("p", { class: "muted small", text: `${m.coder}'s memo (read-only)` }),
      h("p", { class: "why", text: m.text }))));
  }
  showOtherMemos();
  document.getElementById("save-doc-memo").addEventListener("click", async () => {
    const memoState = document.getElementById("doc-memo-state");
    try {   // versioned: a save over a newer version of the memo (another tab) is refused
      const out = await api("PUT", `/api/memos/document/${encodeURIComponent(doc.id)}`,
        { text: docMemo.value, version: doc.memo_version || 0 });
      doc.memo = docMemo.value;
      doc.memo_version = out.version;
      memoState.textContent = "Memo saved " + new Date().toLocaleTimeString();
      flash("Document memo saved");
    } catch (e) {
      memoState.textContent = "not saved";
      flash(e.message, "error");
    }
  });

  /* ---- mouse and keyboard ------------------------------------------------------------------- */

  /* While a selection is being made (mouse down, and from mouse-up until the picker has the
     focus) no key reaches the shortcuts: a letter typed then ("u", "r", "a") would undo, reject or
     accept something the person did not mean to. Letters typed in that moment go into the
     picker's filter instead, so "drag, type bran, Enter" works however fast it is typed. */
  let settling = false, typed = "";
  document.addEventListener("keydown", (ev) => {
    if (!(mouseDown || settling) || isTyping(ev)) return;
    if (["Shift", "Control", "Alt", "Meta", "CapsLock"].includes(ev.key)) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    if (U.isLetterKey(ev)) typed += ev.key;
  }, true);
  document.addEventListener("mouseup", (ev) => {   // a drag may end outside the transcript
    if (ev.target.closest && ev.target.closest("#side")) return;
    const s = window.getSelection();
    if (!s || s.isCollapsed || !s.rangeCount || !transcript.contains(s.getRangeAt(0).commonAncestorContainer)) { typed = ""; return; }
    settling = true;
    setTimeout(() => {   // read once the browser has settled the selection
      settling = false;
      const sel = selectionOffsets();
      if (sel) setSel(sel, "mouse");   // opens the picker with the letters typed meanwhile
      typed = "";
    }, 0);
  });

  transcript.addEventListener("click", (ev) => {
    const stripe = ev.target.closest(".stripe");
    if (stripe) { showCoding([+stripe.dataset.id]); return; }
    const s = window.getSelection();
    if (s && !s.isCollapsed) return;
    const piece = ev.target.closest(".piece");
    if (!piece) return;
    const a = +piece.dataset.a, b = +piece.dataset.b;
    const here = doc.codings.filter((c) => c.start < b && c.end > a);
    if (here.length) { state.editSpan = null; showCoding(here.map((c) => c.id)); }
  });

  function codableTurns() { return doc.turns.map((t, i) => i).filter((i) => !doc.turns[i].interviewer); }

  function focusTurn(i, scroll) {
    transcript.querySelectorAll(".turn.focus").forEach((n) => n.classList.remove("focus"));
    state.focusTurn = i;
    const node = transcript.children[i];
    if (!node) return;
    node.classList.add("focus");
    if (scroll !== false) node.scrollIntoView({ block: "center", behavior: "instant" });
  }

  function moveFocus(dir) {
    const list = codableTurns();
    if (!list.length) return;
    let k = list.indexOf(state.focusTurn);
    k = k < 0 ? (dir > 0 ? 0 : list.length - 1) : Math.max(0, Math.min(list.length - 1, k + dir));
    focusTurn(list[k]);
  }

  document.addEventListener("keydown", (ev) => {
    if (isTyping(ev) || ev.metaKey) return;
    const openSugg = state.open.map(byId).filter((c) => c && isSugg(c));
    if ((ev.key === "z" && ev.ctrlKey) || (ev.key === "u" && !ev.ctrlKey && !ev.altKey)) { ev.preventDefault(); undo(); return; }
    if (ev.ctrlKey) return;
    if (ev.key === "j" || ev.key === "k") { ev.preventDefault(); moveFocus(ev.key === "j" ? 1 : -1); return; }
    if (ev.key === "Enter" && state.focusTurn >= 0 && !state.picker) {   // the turn, then the picker
      ev.preventDefault();
      const t = doc.turns[state.focusTurn];
      const sel = U.trimSpan(doc.text, conv, t.start, t.end);
      if (sel) setSel(sel, state.editSpan ? undefined : "turn");
      return;
    }
    if ((ev.key === "ArrowLeft" || ev.key === "ArrowRight") && ev.shiftKey && state.sel) {
      ev.preventDefault();
      adjustSel(ev.key === "ArrowRight" ? 1 : -1, ev.altKey);
      return;
    }
    if (ev.key === "c" && state.sel) { ev.preventDefault(); openPicker({ mode: "new" }); return; }
    if (ev.key === "o" && state.focusTurn >= 0) {   // the codings and suggestions of the focused turn
      ev.preventDefault();
      const list = (state.buckets[state.focusTurn] || []).map((c) => c.id);
      if (list.length) { state.editSpan = null; showCoding(list); } else flash("No coding in this turn yet");
      return;
    }
    if (ev.key === "a" && openSugg.length) { ev.preventDefault(); accept(openSugg[0], {}); return; }
    if (ev.key === "r" && openSugg.length) { ev.preventDefault(); reject(openSugg[0]); return; }
    if (ev.key === "Escape") { closePicker(); state.editSpan = null; setSel(null); window.getSelection().removeAllRanges(); codingPanel.hidden = true; state.open = []; }
  });

  document.getElementById("show-suggestions").addEventListener("change", (ev) => {
    transcript.classList.toggle("hide-sugg", !ev.target.checked);
  });
  const namesBox = document.getElementById("show-names");
  const layoutBox = document.getElementById("original-layout");
  namesBox.checked = state.names;
  layoutBox.checked = state.original;
  transcript.classList.toggle("names", state.names);
  namesBox.addEventListener("change", () => {
    state.names = namesBox.checked;
    localStorage.setItem("qc-stripe-names", state.names ? "1" : "0");
    transcript.classList.toggle("names", state.names);
    render();
  });
  layoutBox.addEventListener("change", () => {
    state.original = layoutBox.checked;
    localStorage.setItem("qc-original-layout", state.original ? "1" : "0");
    render();
  });

  let resizeTimer = null;
  window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => {
    Array.from(transcript.children).forEach(watch);   // redrawn as they come into view
  }, 150); });
  window.addEventListener("focus", () => {   // another tab or coder may have changed this document
    if (!state.picker && !state.editSpan && !state.sel && !state.open.length) reload(true).catch(() => {});
  });

  let runs = null;   // a retraining replaced the suggestions: show the new ones when idle
  document.addEventListener("qc-model", (ev) => {
    const m = ev.detail;
    if (runs !== null && m.runs !== runs && !state.picker && !state.editSpan && !state.sel &&
        !state.open.length) reload(true).catch(() => {});
    runs = m.runs;
  });

  const t0 = performance.now();
  render();
  window.qcRendered = performance.now() - t0;  // read by benchmarks/web.py
  if (window.QCNewCode) QCNewCode.openAt(location.hash, doc, focusTurn, setSel);  // a passage opened in place: #at=START-END
  document.body.dataset.ready = "1";
})();
