"""What every page of the workbench must not show (used by the browser tests and by the
screenshot script): "null", "undefined" or "NaN" as text, and clipped headers: a table header,
heading, button or chart label whose text is wider than its box (scrollWidth larger than the
box) or an SVG label outside its chart."""
from __future__ import annotations

CHECK_JS = r"""() => {
  const out = { words: [], clipped: [] };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const visible = (el) => el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest("script, style, textarea, [hidden]") || !visible(el)) continue;
    const m = /\b(null|undefined|NaN)\b/.exec(n.textContent);
    if (m) out.words.push(m[1] + " in " + el.tagName.toLowerCase() + ": " + n.textContent.trim().slice(0, 80));
  }
  for (const attr of ["title", "placeholder", "value"]) {
    for (const el of document.querySelectorAll(`[${attr}]`)) {
      const v = el.getAttribute(attr);
      if (/^(null|undefined|NaN)$|\b(undefined|NaN)\b/.test(v)) out.words.push(`${attr}=${v} on ${el.tagName.toLowerCase()}`);
    }
  }
  for (const el of document.querySelectorAll("th, h1, h2, h3, button, .button, label, .chip, .state")) {
    if (!visible(el) || el.closest("[hidden], dialog:not([open])")) continue;
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
      out.clipped.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" ${el.scrollWidth} > ${el.clientWidth}`);
    }
  }
  for (const t of document.querySelectorAll("svg text")) {
    const svg = t.ownerSVGElement;
    if (!visible(t) || !svg) continue;
    const a = t.getBoundingClientRect(), b = svg.getBoundingClientRect();
    if (a.width && (a.left < b.left - 1 || a.right > b.right + 1 || a.top < b.top - 1 || a.bottom > b.bottom + 1)) {
      out.clipped.push(`svg text "${t.textContent.slice(0, 40)}" outside its chart`);
    }
  }
  return out;
}"""
