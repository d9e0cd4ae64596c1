/* qualcode workbench: a "Find similar" button beside a text selection in a document. */
"use strict";
(() => {
  const button = document.createElement("a");
  button.className = "button find-similar";
  button.textContent = "Find similar";
  button.hidden = true;
  button.style.cssText = "position:fixed;right:1rem;bottom:1rem;z-index:50";
  document.body.append(button);
  document.addEventListener("selectionchange", () => {
    const text = String(document.getSelection() || "").trim();
    button.hidden = text.length < 3;
    if (!button.hidden) button.href = "/similar?q=" + encodeURIComponent(text.slice(0, 2000));
  });
})();
