/* qualcode workbench: the pure helpers of the pages (no DOM, no network, no state), so that
   they can be tested as a table of cases in one browser page (tests/web/test_util_js.py).
   Plain script, no build step: everything hangs on the global QCUtil. Offsets from the server
   count Unicode code points (Python str); JavaScript strings count UTF-16 units. */
"use strict";

const QCUtil = (() => {
  /* ---- offsets --------------------------------------------------------------------------- */

  /* A converter for one text between code points and UTF-16 units: the identity unless the
     text has characters above U+FFFF. */
  function offsets(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) {
      return { toU16: (i) => i, toCp: (i) => i, length: text.length };
    }
    const cpToU = [];
    const uToCp = new Int32Array(text.length + 1);
    let u = 0, cp = 0;
    while (u < text.length) {
      cpToU.push(u);
      const code = text.charCodeAt(u);
      const w = code >= 0xD800 && code <= 0xDBFF && u + 1 < text.length ? 2 : 1;
      for (let k = 0; k < w; k++) uToCp[u + k] = cp;
      u += w; cp += 1;
    }
    cpToU.push(u); uToCp[u] = cp;
    return { toU16: (i) => cpToU[i], toCp: (i) => uToCp[i], length: cp };
  }

  /* A span [a, b) of code points with the white space at both ends left out; null when only
     white space is left. */
  function trimSpan(text, conv, a, b) {
    if (b < a) [a, b] = [b, a];
    const str = text.slice(conv.toU16(a), conv.toU16(b));
    const lead = str.length - str.trimStart().length, trail = str.length - str.trimEnd().length;
    a += Array.from(str.slice(0, lead)).length;
    b -= Array.from(str.slice(str.length - trail)).length;
    return b > a ? { start: a, end: b } : null;
  }

  /* Move a selection's edge by one word: a start lands on a word's first character, an end
     just after a word's last one (never on white space). */
  function wordStep(text, conv, pos, dir, edge) {
    const ws = (k) => /\s/.test(text[k] || "");
    let u = conv.toU16(pos);
    if (edge === "start" && dir > 0) { while (u < text.length && !ws(u)) u++; while (u < text.length && ws(u)) u++; }
    else if (edge === "start") { while (u > 0 && ws(u - 1)) u--; while (u > 0 && !ws(u - 1)) u--; }
    else if (dir > 0) { while (u < text.length && ws(u)) u++; while (u < text.length && !ws(u)) u++; }
    else { while (u > 0 && !ws(u - 1)) u--; while (u > 0 && ws(u - 1)) u--; }
    return conv.toCp(u);
  }

  /* Adjust a selection with Shift(+Alt)+arrow: Alt moves the start, else the end; never empty. */
  function adjustSpan(text, conv, sel, dir, moveStart) {
    const out = { start: sel.start, end: sel.end };
    if (moveStart) out.start = Math.min(wordStep(text, conv, sel.start, dir, "start"), sel.end - 1);
    else out.end = Math.max(wordStep(text, conv, sel.end, dir, "end"), sel.start + 1);
    return out;
  }

  /* For each turn (sorted, non-overlapping {start, end}), the codings that touch it. */
  function bucketCodings(turns, codings) {
    const starts = turns.map((t) => t.start);
    const buckets = turns.map(() => []);
    for (const c of codings) {
      let lo = 0, hi = starts.length;            // last turn starting before c.end
      while (lo < hi) { const mid = (lo + hi) >> 1; if (starts[mid] < c.end) lo = mid + 1; else hi = mid; }
      for (let i = lo - 1; i >= 0; i--) {
        if (turns[i].end <= c.start) break;
        buckets[i].push(c);
      }
    }
    return buckets;
  }

  /* The points where a turn's text is cut into pieces: its ends, every coding boundary inside
     it, and the ends of extra spans (inline timestamps). Sorted, unique. */
  function cutPoints(turn, codings, spans) {
    const cuts = new Set([turn.start, turn.end]);
    const add = (x) => { if (x > turn.start && x < turn.end) cuts.add(x); };
    for (const c of codings) { add(c.start); add(c.end); }
    for (const s of spans || []) { add(s.start); add(s.end); }
    return [...cuts].sort((x, y) => x - y);
  }

  /* Stripe lanes: each span {top, bottom} (in drawing order) goes to the first lane free at its
     top; returns the lane of each. */
  function lanes(spans) {
    const ends = [];
    return spans.map((g) => {
      let lane = ends.findIndex((bottom) => bottom <= g.top + 1);
      if (lane < 0) { lane = ends.length; ends.push(0); }
      ends[lane] = g.bottom;
      return lane;
    });
  }

  /* ---- hard-wrapped text ------------------------------------------------------------------ */

  const SENTENCE_END = /[.!?:;…"'”’)\]]$/;

  /* The text of a turn as shown: a line break inside it becomes a space (the same length, so
     every offset is unchanged) unless it ends a paragraph: a blank line, or a line that is short
     (under 3/4 of the turn's longest line) and ends a sentence. */
  function unwrap(text) {
    if (text.indexOf("\n") < 0) return text;
    const lines = text.split("\n");
    if (lines.length < 2) return text;
    const longest = Math.max(...lines.map((l) => l.trimEnd().length));
    let out = "";
    lines.forEach((line, i) => {
      out += line;
      if (i === lines.length - 1) return;
      const body = line.trimEnd();
      const next = lines[i + 1];
      const keep = !body.trim() || !next.trim() || (body.length < 0.75 * longest && SENTENCE_END.test(body));
      out += keep ? "\n" : " ";
    });
    return out;
  }

  /* Timestamps inside a turn's text ("[00:12:31]", "[Pallis 00:00:52]", "(01:02)"): their
     [start, end) in UTF-16 units of the text. */
  const TIMESTAMP = /[[(](?:[^\[\]()\n]{1,40}\s)?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]/g;
  function timestamps(text) {
    const out = [];
    for (const m of text.matchAll(TIMESTAMP)) out.push([m.index, m.index + m[0].length]);
    return out;
  }

  /* ---- colours ------------------------------------------------------------------------------ */

  const HEX = /^#[0-9a-f]{6}$/i;

  /* a #rrggbb colour with an alpha (0..1) as #rrggbbaa; anything else a neutral grey */
  function withAlpha(color, alpha) {
    const c = HEX.test(color || "") ? color : "#888888";
    return c + Math.round(Math.max(0, Math.min(1, alpha)) * 255).toString(16).padStart(2, "0");
  }

  /* The style of a piece of text under the human codings' colours: one colour a wash; several
     equal horizontal bands, one per code, so overlapping codes stay apart. */
  function highlightStyle(colors) {
    if (!colors.length) return "";
    if (colors.length === 1) return `background-color:${withAlpha(colors[0], 0.3)}`;
    const n = colors.length, stops = [];
    colors.forEach((col, i) => {
      const c = withAlpha(col, 0.42);
      stops.push(`${c} ${(100 * i / n).toFixed(1)}%`, `${c} ${(100 * (i + 1) / n).toFixed(1)}%`);
    });
    return `background-image:linear-gradient(to bottom,${stops.join(",")})`;
  }

  /* black or white, whichever reads better on a #rrggbb background */
  function inkOn(color) {
    if (!HEX.test(color || "")) return "#000000";
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16) / 255)
      .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    return lum > 0.179 ? "#000000" : "#ffffff";
  }

  /* ---- numbers and text ---------------------------------------------------------------------- */

  /* How numbers are written: qualcode.formatting's digits and missing mark, which every page
     carries (base.html's "number-format"; common.js passes them to setNumberFormat), so a kappa
     reads the same here, in the report and on the command line. */
  const numberFormat = { digits: 3, missing: "–" };
  function setNumberFormat(f) {
    if (f && Number.isInteger(f.digits)) numberFormat.digits = f.digits;
    if (f && typeof f.missing === "string") numberFormat.missing = f.missing;
  }

  /* a number with fixed digits (never "-0.000"); a missing one (null, undefined, NaN,
     ±Infinity) as the missing mark */
  function fmt(v, digits) {
    if (v === null || v === undefined || v === "" || !Number.isFinite(Number(v))) return numberFormat.missing;
    const s = Number(v).toFixed(digits === undefined ? numberFormat.digits : digits);
    return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
  }

  /* an estimate with its interval, "0.907 [0.881, 0.928]"; without one just the estimate */
  function interval(v, lo, hi) {
    if (v === null || v === undefined || !Number.isFinite(Number(v))) return numberFormat.missing;
    return lo === null || lo === undefined || !Number.isFinite(Number(lo)) ? fmt(v) : `${fmt(v)} [${fmt(lo)}, ${fmt(hi)}]`;
  }

  /* a count with thousands separators; missing as "–" */
  function count(v) {
    if (v === null || v === undefined || v === "" || !Number.isFinite(Number(v))) return "–";
    return Math.round(Number(v)).toLocaleString("en-US");
  }

  /* a value as page text: never "null", "undefined" or "NaN" */
  function text(v) {
    if (v === null || v === undefined) return "";
    if (typeof v === "number") return Number.isFinite(v) ? String(v) : "–";
    return String(v);
  }

  /* An event's JSON record as "key: value, …" without the fields that are empty (null, "",
     []), so a history never shows "null"; text that is not JSON is returned as it is. */
  function changeText(json) {
    let v;
    try { v = JSON.parse(json); } catch (e) { return text(json); }
    const empty = (x) => x === null || x === undefined || x === "" || (Array.isArray(x) && !x.length);
    const clean = (x) => JSON.stringify(x, (k, y) => (empty(y) ? undefined : y));
    if (v === null || typeof v !== "object" || Array.isArray(v)) return empty(v) ? "" : clean(v);
    return Object.entries(v).filter(([, x]) => !empty(x))
      .map(([k, x]) => `${k}: ${typeof x === "object" ? clean(x) : text(x)}`).join(", ");
  }

  /* ---- the chat model's evidence ------------------------------------------------------------- */

  /* A chat-model suggestion's memo as { model, evidence }: "MODEL: “evidence: SPAN”" (the
     workbench's learner), "evidence: SPAN" (qualcode code --method llm) or "MODEL" alone; ""
     for what it does not say. */
  function llmMemo(memo) {
    const m = String(memo || "");
    let x = /^([\s\S]*?): “evidence: ([\s\S]*)”$/.exec(m);
    if (x) return { model: x[1].trim(), evidence: x[2].trim() };
    x = /^evidence: ([\s\S]*)$/.exec(m);
    if (x) return { model: "", evidence: x[1].trim() };
    return { model: m.includes(":") ? "" : m.trim(), evidence: "" };
  }

  /* Where the model's evidence is in text, as qualcode.coders.llm checks it: case and runs of
     white space ignored, ’ read as ', the quote marks and stops around the evidence left out.
     [start, end) in UTF-16 units of text, or null when it is not there (or empty). */
  function evidenceSpan(text, evidence) {
    const fold = (c) => (c === "’" ? "'" : c.toLowerCase().length === 1 ? c.toLowerCase() : c);
    const squash = (str) => {   // folded characters, one space per run of white space, with where each came from
      const chars = [], from = [];
      for (let i = 0; i < str.length; i++) {
        const c = str[i];
        if (/\s/.test(c)) {
          if (chars.length && chars[chars.length - 1] !== " ") { chars.push(" "); from.push(i); }
        } else { chars.push(fold(c)); from.push(i); }
      }
      return { str: chars.join(""), from };
    };
    const needle = squash(String(evidence || "")).str.replace(/^[ .,;:"']+|[ .,;:"']+$/g, "");
    if (!needle) return null;
    const hay = squash(String(text || ""));
    const at = hay.str.indexOf(needle);
    if (at < 0) return null;
    return [hay.from[at], hay.from[at + needle.length - 1] + 1];
  }

  /* ---- the code picker ----------------------------------------------------------------------- */

  /* Codes matching every word typed (in id, name or keywords), best first: the name starts with
     the first word, then the id, then the name contains it, then the rest, codebook order within. */
  function rankCodes(codebook, query) {
    const q = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const scored = [];
    for (const c of codebook) {
      const hay = (c.id + " " + c.name + " " + (c.keywords || []).join(" ")).toLowerCase();
      if (!q.every((w) => hay.includes(w))) continue;
      const name = c.name.toLowerCase();
      const rank = !q.length ? 0 : name.startsWith(q[0]) ? 0 : c.id.startsWith(q[0]) ? 1 :
        name.includes(q[0]) ? 2 : 3;
      scored.push([rank, scored.length, c]);
    }
    scored.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    return scored.map((s) => s[2]);
  }

  /* A key that may act as a one-letter shortcut: a single printable character, no Ctrl/Meta. */
  function isLetterKey(ev) {
    return ev.key && ev.key.length === 1 && !ev.ctrlKey && !ev.metaKey && !ev.altKey;
  }

  return { offsets, trimSpan, wordStep, adjustSpan, bucketCodings, cutPoints, lanes, unwrap,
    timestamps, withAlpha, highlightStyle, inkOn, fmt, interval, setNumberFormat, count, text, changeText, llmMemo, evidenceSpan, rankCodes, isLetterKey };
})();
