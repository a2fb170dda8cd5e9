// The CSV import form: a file over the import limit is refused before it is sent,
// with the same message the server gives (the server checks again either way).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const input = document.getElementById("file");
  const message = document.getElementById("file-error");
  if (!input || !message) return;
  const limit = Number(input.dataset.maxBytes);
  const refuse = (text) => {
    message.textContent = text;
    message.hidden = !text;
    if (text) {
      input.setAttribute("aria-invalid", "true");
      if (!input.getAttribute("aria-describedby").includes("file-error")) {
        input.setAttribute("aria-describedby", input.getAttribute("aria-describedby") + " file-error");
      }
    } else {
      input.removeAttribute("aria-invalid");
    }
  };
  const tooLarge = () => input.files.length > 0 && input.files[0].size > limit;
  input.addEventListener("change", () => refuse(tooLarge() ? input.dataset.tooLarge : ""));
  input.form.addEventListener("submit", (event) => {
    if (tooLarge()) {
      event.preventDefault();
      refuse(input.dataset.tooLarge);
      input.focus();
    }
  });
});
