// Releases being built: poll their progress and reload once they finish.
(function () {
  "use strict";
  const building = Array.from(document.querySelectorAll(".release[data-state='queued'], .release[data-state='running']"));
  if (!building.length) return;
  async function poll() {
    for (const item of building) {
      const response = await fetch(item.dataset.url, { headers: { Accept: "application/json" } });
      if (!response.ok) continue;
      const release = await response.json();
      if (release.state === "succeeded" || release.state === "failed") { window.location.reload(); return; }
      const bar = item.querySelector("progress");
      const text = item.querySelector(".progress-text");
      if (bar) { bar.max = release.progress_total; bar.value = release.progress_done; }
      if (text) text.textContent = `${release.state}, ${release.progress_done} of ${release.progress_total} files`;
    }
    setTimeout(poll, 2000);
  }
  setTimeout(poll, 2000);
})();
