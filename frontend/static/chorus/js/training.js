/* Training list page (staff only): the launch form and the recent-jobs table.
 *
 * The launch form POSTs JSON to the training API and opens the new job's page on 201; a 400 or
 * 409 shows the API's `detail`. The keyword boxes follow the chosen campaign: every campaign's
 * non-filler keywords come rendered into the page as JSON (#campaign-keywords).
 * The jobs table reloads every JOBS_REFRESH_MS while any job is queued or running.
 */
(function () {
  "use strict";

  const { api, ui } = window.Chorus;
  const { node, sentence, percent, date, DASH } = ui;

  const JOBS_REFRESH_MS = 5000;
  const MAX_EPOCHS = 500;

  function stateBadge(state) {
    const badge = node("span", { className: "job-state", textContent: ui.JOB_STATE_LABELS[state] || state });
    badge.dataset.state = state;
    return badge;
  }

  function jobPageUrl(template, id) {
    return template.replace(/\/0\/$/, `/${id}/`);
  }

  // ---- launch form ---------------------------------------------------------------------------

  const form = document.getElementById("launch");
  if (form) {
    const $ = ui.byId;
    const el = {
      campaign: $("campaign"),
      boxes: $("keyword-boxes"),
      all: $("keywords-all"),
      none: $("keywords-none"),
      architecture: $("architecture"),
      epochs: $("epochs"),
      seed: $("seed"),
      release: $("release"),
      error: $("launch-error"),
      submit: $("launch-submit"),
    };
    const keywordsByCampaign = JSON.parse($("campaign-keywords").textContent);

    const showError = (message) => ui.showText(el.error, message);

    const renderKeywords = () => {
      const words = keywordsByCampaign[el.campaign.value] || [];
      el.boxes.replaceChildren(
        ...words.map((word, i) => {
          const box = node("input", { type: "checkbox", name: "keywords", value: word, checked: true, id: `keyword-${i}` });
          return node("label", { className: "keyword-box", htmlFor: box.id }, box, ` ${word}`);
        }),
      );
      if (!words.length) el.boxes.append(node("p", { className: "meta", textContent: "This campaign has no keywords (only fillers)." }));
      showError("");
    };

    const setAll = (checked) => {
      for (const box of el.boxes.querySelectorAll("input[type=checkbox]")) box.checked = checked;
    };

    const readForm = () => {
      const keywords = [...el.boxes.querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value);
      const epochs = Number(el.epochs.value);
      const seed = Number(el.seed.value);
      if (!keywords.length) return { error: "Choose at least one keyword." };
      if (!Number.isInteger(epochs) || epochs < 1 || epochs > MAX_EPOCHS) return { error: `Epochs must be a whole number from 1 to ${MAX_EPOCHS}.`, focus: el.epochs };
      if (el.seed.value.trim() === "" || !Number.isInteger(seed)) return { error: "The seed must be a whole number.", focus: el.seed };
      return {
        body: { campaign: el.campaign.value, keywords, architecture: el.architecture.value, epochs, seed, release: el.release.value.trim() },
      };
    };

    el.campaign.addEventListener("change", renderKeywords);
    el.all.addEventListener("click", () => setAll(true));
    el.none.addEventListener("click", () => setAll(false));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const { body, error, focus } = readForm();
      if (error) {
        showError(error);
        if (focus) focus.focus();
        return;
      }
      showError("");
      el.submit.disabled = true;
      el.submit.textContent = "Starting…";
      try {
        const job = await api(form.dataset.jobsUrl, { method: "POST", json: body });
        window.location.assign(jobPageUrl(form.dataset.jobPageUrl, job.id));
      } catch (err) {
        showError(sentence(err.message));
        el.submit.disabled = false;
        el.submit.textContent = "Start training";
      }
    });
    renderKeywords();
  }

  // ---- recent jobs ---------------------------------------------------------------------------

  const table = document.getElementById("jobs");
  if (table) {
    const body = document.getElementById("jobs-body");
    const status = document.getElementById("jobs-status");
    let timer = null;

    const say = ui.statusLine(status, { hideWhenEmpty: true });

    const row = (job) => {
      const link = node("a", { href: jobPageUrl(table.dataset.jobPageUrl, job.id), textContent: `#${job.id}` });
      const progress = node("progress", { max: job.epochs, value: job.epoch });
      progress.setAttribute("aria-label", `Job ${job.id}: epoch ${job.epoch} of ${job.epochs}`);
      const top1 = job.state === "succeeded" && job.metrics ? percent(job.metrics.int8_tflite_top1) : DASH;
      const tr = node(
        "tr",
        {},
        node("td", {}, link),
        node("td", { textContent: job.campaign }),
        node("td", { textContent: job.architecture }),
        node("td", {}, stateBadge(job.state)),
        node("td", { className: "progress-cell" }, progress, node("span", { className: "meta", textContent: ` ${job.epoch}/${job.epochs}` })),
        node("td", { textContent: date(job.created_at) }),
        node("td", { className: "num", textContent: top1 }),
      );
      tr.dataset.jobId = String(job.id);
      tr.dataset.state = job.state;
      return tr;
    };

    const load = async () => {
      clearTimeout(timer);
      let jobs;
      try {
        jobs = await api(table.dataset.jobsUrl);
      } catch (err) {
        say(`Could not load the jobs: ${sentence(err.message)}`, "error");
        timer = setTimeout(load, JOBS_REFRESH_MS * 2);
        return;
      }
      body.replaceChildren(...jobs.map(row));
      table.hidden = !jobs.length;
      say(jobs.length ? "" : "No training job yet.");
      if (jobs.some((job) => ui.ACTIVE_JOB_STATES.has(job.state))) timer = setTimeout(load, JOBS_REFRESH_MS);
    };
    load();
  }
})();
