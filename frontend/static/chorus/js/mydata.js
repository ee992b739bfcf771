/* My data page: list, play and delete your recordings, or erase everything. */
(function () {
  "use strict";

  const { api, ui } = window.Chorus;
  const { node, dateFormat } = ui;
  const root = document.getElementById("my-data");
  if (!root) return;
  const list = document.getElementById("clips");
  const status = document.getElementById("status");

  const STATUS_LABELS = {
    pending: "waiting for review",
    valid: "accepted",
    invalid: "not used in the dataset",
    other: "undecided: reviewers disagreed",
  };
  const BY_WHOM = { votes: "by reviewers", admin: "by a moderator" };
  const say = ui.statusLine(status);

  function describeCount(n) {
    return n === 1 ? "1 recording" : `${n} recordings`;
  }

  /** The clip's state in words, and a key for styling: `automatic` is the upload pre-screen. */
  function clipState(clip) {
    if (clip.status_reason === "automatic") {
      return { key: "automatic", text: "automatically set aside: too quiet or too short" };
    }
    const label = STATUS_LABELS[clip.status] || clip.status;
    const byWhom = clip.status === "valid" || clip.status === "invalid" ? BY_WHOM[clip.status_reason] : null;
    return { key: clip.status, text: byWhom ? `${label} (${byWhom})` : label };
  }

  function reviewReasons(clip) {
    const reasons = clip.review_reasons || [];
    if (!reasons.length) return [];
    const list = node("ul", { className: "review-reasons" });
    list.setAttribute("aria-label", "What reviewers said about it");
    for (const r of reasons) {
      const item = node("li", { textContent: r.count > 1 ? `${r.label} × ${r.count}` : r.label });
      item.dataset.reason = r.reason;
      item.dataset.count = String(r.count);
      list.append(item);
    }
    return [node("div", { className: "review-notes" }, node("span", { className: "meta", textContent: "Reviewers noted: " }), list)];
  }

  function clipItem(clip) {
    const created = new Date(clip.created_at);
    const { key, text } = clipState(clip);
    const state = node("span", { className: "clip-state", textContent: text });
    state.dataset.state = key;
    const when = node("time", { dateTime: clip.created_at, textContent: dateFormat.format(created) });
    const player = node("audio", { controls: true, preload: "metadata", src: clip.audio_url });
    player.setAttribute("aria-label", `Recording of “${clip.keyword}”`);
    const remove = node("button", { type: "button", className: "button danger delete-clip", textContent: "Delete" });
    remove.setAttribute("aria-label", `Delete the recording of “${clip.keyword}” from ${dateFormat.format(created)}`);
    const item = node(
      "li",
      { className: "card clip" },
      node(
        "div",
        {},
        node("span", { className: "clip-keyword", textContent: clip.keyword }),
        " ",
        state,
        " ",
        node("span", { className: "meta clip-meta" }, when, ` · ${ui.seconds(clip.duration_s)}`),
        ...reviewReasons(clip),
      ),
      remove,
      player,
    );
    item.dataset.clipId = clip.id;
    item.dataset.status = clip.status;
    item.dataset.statusReason = clip.status_reason || "";
    remove.addEventListener("click", () => deleteClip(clip, item, remove));
    return item;
  }

  async function load() {
    try {
      const clips = await api(root.dataset.clipsUrl);
      list.replaceChildren(...clips.map(clipItem));
      say(clips.length ? `You have ${describeCount(clips.length)}.` : "You have no recordings yet.");
    } catch (err) {
      say(`Could not load your recordings: ${err.message}`, "error");
    }
  }

  async function deleteClip(clip, item, button) {
    if (!window.confirm(`Delete your recording of “${clip.keyword}”? This cannot be undone.`)) return;
    button.disabled = true;
    try {
      await api(`${root.dataset.clipsUrl}${clip.id}/`, { method: "DELETE" });
    } catch (err) {
      button.disabled = false;
      say(`Could not delete it: ${err.message}`, "error");
      return;
    }
    item.remove();
    const left = list.children.length;
    say(`Deleted the recording of “${clip.keyword}”. ${left ? `You have ${describeCount(left)} left.` : "You have no recordings left."}`, "ok");
  }

  async function deleteEverything() {
    const question = "Delete ALL your data: every recording, your answers about you and your consents? This cannot be undone.";
    if (!window.confirm(question)) return;
    const button = document.getElementById("delete-all");
    button.disabled = true;
    let result;
    try {
      result = await api(root.dataset.meUrl, { method: "DELETE" });
    } catch (err) {
      button.disabled = false;
      say(`Could not delete your data: ${err.message}`, "error");
      return;
    }
    list.querySelectorAll("audio").forEach((player) => player.pause());
    root.remove();
    const done = document.getElementById("deleted");
    document.getElementById("deleted-summary").textContent =
      `Deleted ${describeCount(result.deleted_clips)}, your answers about you and your consents.`;
    done.hidden = false;
    done.focus();
  }

  document.getElementById("delete-all").addEventListener("click", deleteEverything);
  load();
})();
