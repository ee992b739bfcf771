/* The data map page: a campaign's clips drawn on <canvas> from the data map API, coloured by the selected field,
 * outliers ringed; clicking a point plays that clip through the clip admin's audio view. "Compute the map" queues a
 * map on a worker and the page follows its progress.
 *
 * Plain script (no build step): needs window.Chorus.api (api.js), .ui (ui.js) and .chart (chart.js, for its
 * colours). It defines window.Chorus.dataMap, the drawn points' screen positions, for the browser tests.
 */
(function () {
  "use strict";

  const Chorus = window.Chorus;
  const { ui, api } = Chorus;
  const { byId, node } = ui;
  const STYLE = Chorus.chart.STYLE;

  const POLL_MS = 2000;
  const RADIUS = 3.5; // px: a point
  const RING = 7; // px: an outlier's ring
  const HIT = 8; // px: how far from a point a click still picks it
  const MARGIN = 14; // px around the points
  const OUTLIER_RING = "#1d2330";
  const SELECTED_RING = "#e03131";
  // Tableau 10: told apart by most colour-blind readers; more categories than this get hues by the golden angle.
  const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
  const MUTED = "#c3c8d4";
  const SPLITS = ["training", "validation", "testing"];
  const LABELS = {
    synthetic: { true: "synthetic", false: "recorded" },
    outlier: { true: "outlier", false: "not an outlier" },
  };

  const box = byId("map-run");
  if (!box) return; // a wake-word campaign: the page says why there is no map
  const canvas = byId("map");
  const select = byId("colour-by");
  const legend = byId("legend");
  const player = byId("player");
  const recompute = byId("recompute");
  const say = ui.statusLine(byId("map-status"), { hideWhenEmpty: true });
  const otherGroup = box.dataset.otherGroup;

  let data = null; // the shown map: {points, summary, ...}
  let screen = []; // [{point, x, y}] as last drawn, for clicks
  let selected = null;
  let polling = null;

  function audioUrl(id) {
    return box.dataset.audioUrl.replace(box.dataset.audioPlaceholder, id);
  }

  /** The value a point is coloured by, as the legend writes it. */
  function valueOf(point, field) {
    if (field === "suspect") return point.suspect ? "suspected label error" : "not flagged";
    if (LABELS[field]) return LABELS[field][String(Boolean(point[field]))];
    return String(point[field]);
  }

  /** Legend order: the model's keywords then the other words; splits in pipeline order; groups by size, the
   * other/undisclosed bucket last; flags with the flagged value first. */
  function categories(field, points) {
    const counts = new Map();
    for (const p of points) counts.set(valueOf(p, field), (counts.get(valueOf(p, field)) || 0) + 1);
    let order;
    if (field === "keyword") order = data.summary.keywords.filter((k) => counts.has(k));
    else if (field === "split") order = SPLITS.filter((s) => counts.has(s));
    else if (field === "suspect") order = ["suspected label error", "not flagged"].filter((v) => counts.has(v));
    else if (LABELS[field]) order = [LABELS[field].true, LABELS[field].false].filter((v) => counts.has(v));
    else order = [...counts.keys()].filter((g) => g !== otherGroup).sort((a, b) => counts.get(b) - counts.get(a) || a.localeCompare(b));
    for (const value of counts.keys()) if (!order.includes(value) && value !== otherGroup) order.push(value);
    if (counts.has(otherGroup) && !order.includes(otherGroup)) order.push(otherGroup);
    const muted = new Set([otherGroup, "not flagged", LABELS.outlier.false]);
    let next = 0;
    return order.map((value) => {
      const colour = muted.has(value) ? MUTED : next < PALETTE.length ? PALETTE[next] : `hsl(${Math.round(next * 137.508) % 360}, 60%, 50%)`;
      if (!muted.has(value)) next += 1;
      return { value, colour: toHex(colour), count: counts.get(value) };
    });
  }

  /** Any CSS colour as #rrggbb (what the legend publishes and the tests compare canvas pixels with). */
  function toHex(colour) {
    const ctx = toHex.ctx || (toHex.ctx = document.createElement("canvas").getContext("2d"));
    ctx.fillStyle = "#000000";
    ctx.fillStyle = colour;
    const value = ctx.fillStyle;
    if (value.startsWith("#")) return value;
    const [r, g, b] = value.match(/\d+/g).map(Number);
    return `#${[r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("")}`;
  }

  function draw() {
    if (!data) return;
    const field = select.value;
    const points = data.points;
    const legendEntries = categories(field, points);
    const colourOf = new Map(legendEntries.map((e) => [e.value, e.colour]));
    const { ratio, width, height } = ui.fitCanvas(canvas);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = STYLE.background;
    ctx.fillRect(0, 0, width, height);
    const side = Math.max(10, Math.min(width, height) - 2 * MARGIN);
    const left = (width - side) / 2;
    const top = (height - side) / 2;
    screen = points.map((point) => ({ point, x: left + point.x * side, y: top + point.y * side }));
    // muted values first, so the coloured ones are drawn over them
    const muted = (s) => (colourOf.get(valueOf(s.point, field)) === toHex(MUTED) ? 1 : 0);
    for (const s of [...screen].sort((a, b) => muted(b) - muted(a))) {
      ctx.fillStyle = colourOf.get(valueOf(s.point, field));
      ctx.beginPath();
      ctx.arc(s.x, s.y, RADIUS, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = OUTLIER_RING;
    for (const s of screen) {
      if (!s.point.outlier) continue;
      ctx.beginPath();
      ctx.arc(s.x, s.y, RING, 0, 2 * Math.PI);
      ctx.stroke();
    }
    const chosen = selected && screen.find((s) => s.point.id === selected.id);
    if (chosen) {
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = SELECTED_RING;
      ctx.beginPath();
      ctx.arc(chosen.x, chosen.y, RING + 2, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.lineWidth = 1;
    canvas.dataset.colourBy = field;
    canvas.dataset.pointsDrawn = String(screen.length);
    legend.replaceChildren(
      ...legendEntries.map((e) => {
        const item = node("li", {}, node("span", { className: "swatch" }), `${e.value} `, node("span", { className: "meta", textContent: `(${e.count})` }));
        item.firstChild.style.background = e.colour;
        item.dataset.value = e.value;
        item.dataset.colour = e.colour;
        return item;
      }),
      node("li", { className: "meta" }, node("span", { className: "swatch ring" }), " outlier")
    );
  }

  function pointAt(x, y) {
    let best = null;
    let bestDistance = HIT * HIT;
    for (const s of screen) {
      const d = (s.x - x) ** 2 + (s.y - y) ** 2;
      if (d <= bestDistance) {
        best = s.point;
        bestDistance = d;
      }
    }
    return best;
  }

  function choose(point) {
    selected = point;
    byId("selected").hidden = false;
    byId("selected-keyword").textContent = `"${point.keyword}"`;
    const facts = [
      point.split,
      point.synthetic ? "synthetic" : "recorded",
      `accent ${point.accent}`,
      `gender ${point.gender}`,
      `age ${point.age_bracket}`,
      `${Math.round(point.same_share * 100)}% of its neighbours the same word`,
    ];
    if (point.outlier) facts.push(`outlier: among "${point.neighbours_say}"`);
    if (point.suspect) facts.push(`the label-error finder heard "${point.suspect}"`);
    byId("selected-facts").textContent = facts.join(" · ");
    byId("selected").dataset.clip = point.id;
    player.src = audioUrl(point.id);
    player.play().catch(() => {}); // blocked autoplay or no permission: the controls are there
    draw();
  }

  canvas.addEventListener("click", (event) => {
    const rect = canvas.getBoundingClientRect();
    const point = pointAt(event.clientX - rect.left, event.clientY - rect.top);
    if (point) choose(point);
  });
  select.addEventListener("change", draw);
  window.addEventListener("resize", draw);

  function outlierTable(points) {
    const rows = points.filter((p) => p.outlier).sort((a, b) => a.same_share - b.same_share || a.id.localeCompare(b.id));
    byId("outliers-box").hidden = false;
    const body = byId("outliers").tBodies[0];
    body.replaceChildren(
      ...rows.map((p) => {
        const play = node("button", { type: "button", className: "button inline", textContent: "Hear" });
        play.addEventListener("click", () => choose(p));
        const row = node(
          "tr",
          {},
          node("td", { textContent: p.keyword }),
          node("td", { textContent: p.neighbours_say }),
          node("td", { textContent: `${Math.round(p.same_share * 100)}%` }),
          node("td", { textContent: p.split }),
          node("td", { textContent: p.suspect ? `heard "${p.suspect}"` : "–" }),
          node("td", {}, play)
        );
        row.dataset.clip = p.id;
        return row;
      })
    );
    if (!rows.length) body.append(node("tr", {}, node("td", { colSpan: 6, textContent: "No outliers: every clip sits among its own word." })));
  }

  function showRun(latest, shown, body) {
    const state = byId("map-state");
    const active = latest && (latest.state === "queued" || latest.state === "running");
    state.dataset.state = latest ? latest.state : "none";
    state.textContent = latest ? latest.state : "no map yet";
    byId("map-progress-box").hidden = !active;
    if (active) {
      byId("map-progress").max = latest.steps || 1;
      byId("map-progress").value = latest.steps_done;
      byId("map-stage").textContent = latest.state === "queued" ? "waiting for a worker" : `step ${latest.steps_done + 1} of ${latest.steps}: ${latest.stage}`;
    }
    if (shown) {
      const s = shown.summary;
      const parts = [`${shown.clips} clips, ${shown.outliers} outliers, by job ${shown.job ? shown.job.id : "–"} (${shown.job ? shown.job.architecture : ""}, ${s.job_state})`, `computed ${ui.date(shown.finished_at)}`];
      if (s.not_on_map) parts.push(`${s.not_on_map} valid clips not prepared yet and not on the map`);
      if (s.erased_since) parts.push(`${s.erased_since} clips erased since (taken off the map; recompute to place the rest without them)`);
      byId("map-summary").textContent = parts.join("; ");
    }
    if (latest && latest.state === "failed") say(`The last computation failed: ${latest.error}`, "error");
    else if (!body.can_compute) say(ui.sentence(body.refusal), "info");
    else if (!shown && !active) say("No map yet for this campaign.", "info");
    else say("");
    if (recompute) {
      recompute.disabled = !body.can_compute || active;
      recompute.textContent = shown ? "Recompute the map" : "Compute the map";
    }
    return active;
  }

  async function load({ points = true } = {}) {
    let body;
    try {
      body = await api(`${box.dataset.url}?points=${points}`);
    } catch (err) {
      say(err.message, "error");
      return;
    }
    const active = showRun(body.latest, body.map, body);
    if (points && body.map) {
      data = body.map;
      byId("map-box").hidden = false;
      draw();
      outlierTable(data.points);
    }
    clearTimeout(polling);
    if (active) polling = setTimeout(() => follow(body.latest.id), POLL_MS);
  }

  async function follow(runId) {
    let body;
    try {
      body = await api(`${box.dataset.url}?points=false`);
    } catch (err) {
      say(err.message, "error");
      polling = setTimeout(() => follow(runId), POLL_MS);
      return;
    }
    const active = showRun(body.latest, body.map, body);
    if (active) polling = setTimeout(() => follow(runId), POLL_MS);
    else load(); // finished (or failed): the new points, or the map shown before
  }

  if (recompute) {
    recompute.addEventListener("click", async () => {
      recompute.disabled = true;
      try {
        const queued = await api(box.dataset.url, { method: "POST" });
        showRun(queued, null, { can_compute: true });
        say("Queued: a worker computes the map; this page follows it.", "info");
        clearTimeout(polling);
        polling = setTimeout(() => follow(queued.id), POLL_MS);
      } catch (err) {
        say(err.message, "error");
        recompute.disabled = false;
      }
    });
  }

  Chorus.dataMap = {
    /** [{id, x, y}]: each drawn point in CSS pixels from the canvas's top left corner. */
    positions: () => screen.map((s) => ({ id: s.point.id, x: s.x, y: s.y, outlier: s.point.outlier })),
  };
  load();
})();
