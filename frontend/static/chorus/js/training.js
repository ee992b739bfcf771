/* Training list page (staff only): the launch form and the recent-jobs table.
 *
 * The launch form POSTs JSON to the training API and opens the new job's page on 201; a 400 or
 * 409 shows the API's `detail`. The keyword boxes follow the chosen campaign: every campaign's
 * non-filler keywords come rendered into the page as JSON (#campaign-keywords); the data overview
 * (clips and speakers per keyword and split, with warnings) comes from the training API and unticks
 * keywords that have no clips.
 * The jobs table reloads every JOBS_REFRESH_MS while any job is queued or running.
 */
(function () {
  "use strict";

  const { api, ui } = window.Chorus;
  const { node, sentence, percent, date, DASH } = ui;

  const JOBS_REFRESH_MS = 5000;
  const DATA_REFRESH_MS = 3000;
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
      target: $("target-fa"),
      release: $("release"),
      error: $("launch-error"),
      submit: $("launch-submit"),
    };
    const keywordsByCampaign = JSON.parse($("campaign-keywords").textContent);
    const data = {
      section: $("data-overview"),
      status: $("data-status"),
      summary: $("data-summary"),
      warnings: $("data-warnings"),
      table: $("data-table"),
      body: $("data-body"),
    };
    const sayData = ui.statusLine(data.status, { hideWhenEmpty: true });
    const includeSynthetic = $("include-synthetic");
    const progress = {
      box: $("data-progress"),
      synthesisLine: $("synthesis-line"),
      synthesis: $("synthesis-progress"),
      synthesisCount: $("synthesis-count"),
      preparingLine: $("preparing-line"),
      preparingCount: $("preparing-count"),
      synthesisError: $("synthesis-error"),
    };
    let dataRequest = 0;
    let dataTimer = null;

    const showError = (message) => ui.showText(el.error, message);

    // Boxes follow the data: a keyword without clips is unticked, and ticked once clips arrive; a box the
    // admin unticked stays so.
    const renderKeywords = (overview) => {
      const before = new Map(
        [...el.boxes.querySelectorAll("input[type=checkbox]")].map((box) => [box.value, box.checked || box.dataset.auto === "true"]),
      );
      const rows = overview
        ? overview.keywords.filter((k) => !k.filler)
        : (keywordsByCampaign[el.campaign.value] || []).map((text) => ({ text, clips: null }));
      el.boxes.replaceChildren(
        ...rows.map((row, i) => {
          const checked = row.clips !== 0 && before.get(row.text) !== false;
          const box = node("input", { type: "checkbox", name: "keywords", value: row.text, checked, id: `keyword-${i}` });
          box.dataset.auto = String(row.clips === 0);
          box.addEventListener("change", () => (box.dataset.auto = "false"));
          const count = row.clips === null ? "" : row.clips ? ` ${row.clips}` : " no clips";
          return node("label", { className: "keyword-box", htmlFor: box.id }, box, ` ${row.text}`, node("span", { className: "meta", textContent: count }));
        }),
      );
      if (!rows.length) el.boxes.append(node("p", { className: "meta", textContent: "This campaign has no keywords (only fillers)." }));
    };

    const SPLITS = ["training", "validation", "testing"];
    const KINDS = ["recorded", "synthetic"];

    const splitCell = (split) => {
      const clips = split.recorded.clips + split.synthetic.clips;
      const speakers = split.recorded.speakers + split.synthetic.speakers;
      const detail = clips ? `${speakers} speakers${split.synthetic.clips ? `, ${split.synthetic.clips} synthetic` : ""}` : "";
      return node("td", { className: "num" }, String(clips), detail ? node("div", { className: "meta", textContent: detail }) : "");
    };

    const dataRow = (row, widest) => {
      const bar = node("div", { className: "data-bar" });
      bar.setAttribute("aria-hidden", "true");
      for (const split of SPLITS) {
        for (const kind of KINDS) {
          const clips = row.splits[split][kind].clips;
          if (!clips) continue;
          const segment = node("span", { className: `${split} ${kind}`, title: `${split}: ${clips} ${kind} clips` });
          segment.style.width = `${(100 * clips) / widest}%`;
          bar.append(segment);
        }
      }
      const name = node("th", { scope: "row", textContent: row.filler ? `${row.text} (filler)` : row.text });
      const tr = node("tr", {}, name, node("td", {}, row.clips ? bar : node("span", { className: "meta", textContent: "no clips" })), ...SPLITS.map((s) => splitCell(row.splits[s])));
      tr.dataset.keyword = row.text;
      tr.dataset.clips = String(row.clips);
      tr.dataset.empty = String(!row.clips);
      tr.dataset.filler = String(row.filler);
      return tr;
    };

    const renderData = (overview) => {
      const widest = Math.max(1, ...overview.keywords.map((k) => k.clips));
      data.body.replaceChildren(...overview.keywords.map((row) => dataRow(row, widest)));
      data.table.hidden = !overview.keywords.length;
      const speakers = SPLITS.map((s) => {
        const n = overview.speakers[s] || {};
        const synthetic = n.synthetic ? ` (${n.synthetic} synthetic)` : "";
        return `${(n.recorded || 0) + (n.synthetic || 0)} ${s}${synthetic}`;
      });
      ui.showText(data.summary, `Speakers: ${speakers.join(", ")}.`);
      data.warnings.replaceChildren(...overview.warnings.map((w) => node("li", { textContent: w })));
      data.warnings.hidden = !overview.warnings.length;
    };

    // While voices are synthesized or clips prepared, the overview refreshes itself.
    const renderProgress = (overview) => {
      const run = overview.synthesis;
      const synthesizing = Boolean(run && ui.ACTIVE_JOB_STATES.has(run.state));
      if (synthesizing) {
        progress.synthesis.max = run.voices;
        progress.synthesis.value = run.voices_done;
        progress.synthesisCount.textContent = `${run.voices_done} of ${run.voices} voices`;
      }
      progress.synthesisLine.hidden = !synthesizing;
      progress.preparingCount.textContent = overview.being_prepared.toLocaleString();
      progress.preparingLine.hidden = !overview.being_prepared;
      progress.box.hidden = !synthesizing && !overview.being_prepared;
      ui.showText(progress.synthesisError, run && run.state === "failed" ? `The last starter-voice run failed: ${run.error}` : "");
      return synthesizing || overview.being_prepared > 0;
    };

    const loadData = async ({ refresh = false } = {}) => {
      clearTimeout(dataTimer);
      const request = ++dataRequest;
      const url = `${form.dataset.dataUrl.replace("SLUG", encodeURIComponent(el.campaign.value))}?include_synthetic=${includeSynthetic.checked}`;
      if (!refresh) sayData("Loading the campaign's data…");
      try {
        const overview = await api(url);
        if (request !== dataRequest) return; // the admin picked another campaign meanwhile
        renderKeywords(overview);
        renderData(overview);
        sayData("");
        if (renderProgress(overview)) dataTimer = setTimeout(() => loadData({ refresh: true }), DATA_REFRESH_MS);
      } catch (err) {
        if (request !== dataRequest) return;
        sayData(`Could not load the campaign's data: ${sentence(err.message)}`, "error");
        if (refresh) {
          dataTimer = setTimeout(() => loadData({ refresh: true }), DATA_REFRESH_MS * 2); // keep what is shown
          return;
        }
        renderKeywords(null);
        data.table.hidden = true;
      }
    };

    const campaignChosen = () => {
      el.boxes.replaceChildren(); // a new campaign starts from its own defaults
      showError("");
      loadData();
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
      const target = Number(el.target.value);
      if (!(target >= 0.01 && target <= 100)) return { error: "The target must be from 0.01 to 100 false accepts per hour.", focus: el.target };
      return {
        body: {
          campaign: el.campaign.value,
          keywords,
          architecture: el.architecture.value,
          epochs,
          seed,
          release: el.release.value.trim(),
          include_synthetic: includeSynthetic.checked,
          target_fa_per_hour: target,
        },
      };
    };

    el.campaign.addEventListener("change", campaignChosen);
    includeSynthetic.addEventListener("change", () => loadData());
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
    campaignChosen();
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
