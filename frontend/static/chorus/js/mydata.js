/* My data page: list, play and delete your recordings, or erase everything. */
(function () {
  "use strict";

  const { api, ui } = window.Chorus;
  const { node, dateFormat } = ui;
  const { gettext, ngettext, interpolate } = window; // Django's JavaScript catalog (/jsi18n/), loaded by base.html
  const root = document.getElementById("my-data");
  if (!root) return;
  const list = document.getElementById("clips");
  const status = document.getElementById("status");

  const STATUS_LABELS = {
    pending: gettext("waiting for review"),
    valid: gettext("accepted"),
    invalid: gettext("not used in the dataset"),
    other: gettext("undecided: reviewers disagreed"),
  };
  const BY_WHOM = { votes: gettext("by reviewers"), admin: gettext("by a moderator") };
  const say = ui.statusLine(status);

  /** The clip's state in words, and a key for styling: `automatic` is the upload pre-screen. */
  function clipState(clip) {
    if (clip.status_reason === "automatic") {
      return { key: "automatic", text: gettext("automatically set aside: too quiet or too short") };
    }
    const label = STATUS_LABELS[clip.status] || clip.status;
    const byWhom = clip.status === "valid" || clip.status === "invalid" ? BY_WHOM[clip.status_reason] : null;
    return { key: clip.status, text: byWhom ? interpolate(gettext("%(state)s (%(by)s)"), { state: label, by: byWhom }, true) : label };
  }

  function reviewReasons(clip) {
    const reasons = clip.review_reasons || [];
    if (!reasons.length) return [];
    const list = node("ul", { className: "review-reasons" });
    list.setAttribute("aria-label", gettext("What reviewers said about it"));
    for (const r of reasons) {
      const item = node("li", { textContent: r.count > 1 ? `${r.label} × ${r.count}` : r.label });
      item.dataset.reason = r.reason;
      item.dataset.count = String(r.count);
      list.append(item);
    }
    return [node("div", { className: "review-notes" }, node("span", { className: "meta", textContent: gettext("Reviewers noted:") + " " }), list)];
  }

  function clipItem(clip) {
    const created = new Date(clip.created_at);
    const { key, text } = clipState(clip);
    const state = node("span", { className: "clip-state", textContent: text });
    state.dataset.state = key;
    const when = node("time", { dateTime: clip.created_at, textContent: dateFormat.format(created) });
    const player = node("audio", { controls: true, preload: "metadata", src: clip.audio_url });
    player.setAttribute("aria-label", interpolate(gettext("Recording of “%(word)s”"), { word: clip.keyword }, true));
    const remove = node("button", { type: "button", className: "button danger delete-clip", textContent: gettext("Delete") });
    remove.setAttribute("aria-label", interpolate(gettext("Delete the recording of “%(word)s” from %(date)s"), { word: clip.keyword, date: dateFormat.format(created) }, true));
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
      say(clips.length ? interpolate(ngettext("You have %(count)s recording.", "You have %(count)s recordings.", clips.length), { count: clips.length }, true) : gettext("You have no recordings yet."));
    } catch (err) {
      say(interpolate(gettext("Could not load your recordings: %(error)s"), { error: err.message }, true), "error");
    }
  }

  async function deleteClip(clip, item, button) {
    if (!window.confirm(interpolate(gettext("Delete your recording of “%(word)s”? This cannot be undone."), { word: clip.keyword }, true))) return;
    button.disabled = true;
    try {
      await api(`${root.dataset.clipsUrl}${clip.id}/`, { method: "DELETE" });
    } catch (err) {
      button.disabled = false;
      say(interpolate(gettext("Could not delete it: %(error)s"), { error: err.message }, true), "error");
      return;
    }
    item.remove();
    const left = list.children.length;
    const remaining = left ? interpolate(ngettext("You have %(count)s recording left.", "You have %(count)s recordings left.", left), { count: left }, true) : gettext("You have no recordings left.");
    say(`${interpolate(gettext("Deleted the recording of “%(word)s”."), { word: clip.keyword }, true)} ${remaining}`, "ok");
  }

  async function deleteEverything() {
    const question = gettext("Delete ALL your data: every recording, your answers about you and your consents? This cannot be undone.");
    if (!window.confirm(question)) return;
    const button = document.getElementById("delete-all");
    button.disabled = true;
    let result;
    try {
      result = await api(root.dataset.meUrl, { method: "DELETE" });
    } catch (err) {
      button.disabled = false;
      say(interpolate(gettext("Could not delete your data: %(error)s"), { error: err.message }, true), "error");
      return;
    }
    list.querySelectorAll("audio").forEach((player) => player.pause());
    root.remove();
    const done = document.getElementById("deleted");
    document.getElementById("deleted-summary").textContent =
      interpolate(ngettext("Deleted %(count)s recording, your answers about you and your consents.", "Deleted %(count)s recordings, your answers about you and your consents.", result.deleted_clips), { count: result.deleted_clips }, true);
    done.hidden = false;
    done.focus();
  }

  document.getElementById("delete-all").addEventListener("click", deleteEverything);
  load();
})();
