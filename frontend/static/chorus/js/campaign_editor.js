/* The campaign editor: rows added to the keyword and target formsets, and a live preview of the consent text
 * (fetched from the server, which renders it from the same template volunteers see, with its sha256).
 *
 * Plain script (no build step); it needs nothing but the DOM and fetch. Without it the form still works: the page
 * shows a few empty rows and the preview of the values last saved or submitted.
 */
(function () {
  "use strict";

  const form = document.getElementById("campaign-form");
  if (!form) return;

  // ---- formset rows --------------------------------------------------------------------------

  function addRow(prefix, templateId, tableId) {
    const total = form.querySelector(`#id_${prefix}-TOTAL_FORMS`);
    const index = Number(total.value);
    const html = document.getElementById(templateId).innerHTML.replaceAll("__prefix__", String(index));
    const body = document.querySelector(`#${tableId} tbody`);
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const first = body.lastElementChild.querySelector("input[type=text], input:not([type])");
    if (first) first.focus();
  }

  document.getElementById("add-keyword").addEventListener("click", () => addRow("keywords", "keywords-empty", "keyword-rows"));
  document.getElementById("add-target").addEventListener("click", () => addRow("targets", "targets-empty", "target-rows"));

  // ---- consent preview -----------------------------------------------------------------------

  const previewUrl = form.dataset.previewUrl;
  const preview = document.getElementById("consent-preview");
  const sha = document.getElementById("consent-sha256");
  const watched = ["name", "licence", "language", "new_language_name", "kind", "preview_language"];
  let timer = null;
  let asked = 0;

  function value(name) {
    const checked = form.querySelector(`[name="${name}"]:checked`);
    if (checked) return checked.value;
    const field = form.querySelector(`[name="${name}"]`);
    return field && field.type !== "radio" ? field.value : "";
  }

  async function refresh() {
    const params = new URLSearchParams();
    for (const name of watched) params.set(name, value(name));
    const ask = ++asked;
    try {
      const response = await fetch(`${previewUrl}?${params}`, { credentials: "same-origin" });
      if (!response.ok || ask !== asked) return;
      const body = await response.json();
      if (ask !== asked) return;
      preview.textContent = body.text;
      sha.textContent = body.sha256;
      form.dataset.previewSha256 = body.sha256;
    } catch (error) {
      // The preview stays as it was; the saved campaign's consent page is the reference.
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 200);
  }

  form.addEventListener("input", (event) => {
    if (watched.includes(event.target.name)) schedule();
  });
  form.addEventListener("change", (event) => {
    if (watched.includes(event.target.name)) schedule();
  });
})();
