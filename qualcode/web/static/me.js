"use strict";
(() => {
  const form = document.getElementById("me-form");
  if (!form) return;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const err = document.getElementById("me-error");
    try {
      await QC.api("POST", "/api/me", { coder: form.coder.value });
      window.location.href = form.dataset.next || "/";
    } catch (e) {
      err.textContent = e.message; err.hidden = false;
    }
  });
})();
