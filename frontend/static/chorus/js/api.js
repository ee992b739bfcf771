/* Chorus API helper: same-origin fetch with Django's CSRF header and readable errors.
 *
 * Every API error body is {"error": code, "detail": message}; `detail` is written for people,
 * so it is what the pages show. Plain script (no build step): it defines window.Chorus.api.
 */
(function () {
  "use strict";

  const Chorus = (window.Chorus = window.Chorus || {});
  const { gettext, interpolate } = window; // Django's JavaScript catalog (/jsi18n/), loaded by base.html

  function cookie(name) {
    for (const part of document.cookie ? document.cookie.split("; ") : []) {
      const eq = part.indexOf("=");
      if (part.slice(0, eq) === name) return decodeURIComponent(part.slice(eq + 1));
    }
    return null;
  }

  /** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or null. */
  function retryAfterSeconds(value) {
    if (!value) return null;
    if (/^\d+$/.test(value.trim())) return parseInt(value, 10);
    const when = Date.parse(value);
    return Number.isNaN(when) ? null : Math.max(0, Math.ceil((when - Date.now()) / 1000));
  }

  class ApiError extends Error {
    constructor(message, { status = 0, code = "error", retryAfter = null } = {}) {
      super(message);
      this.name = "ApiError";
      this.status = status;
      this.code = code;
      this.retryAfter = retryAfter;
    }
  }

  /**
   * Call the API. `json` sends a JSON body, `body` sends anything fetch() takes (FormData here).
   * Resolves to the parsed JSON (null for 204); rejects with an ApiError whose message can be shown.
   */
  async function request(url, { method = "GET", json, body } = {}) {
    const headers = { Accept: "application/json" };
    if (method !== "GET" && method !== "HEAD") {
      const token = cookie("csrftoken");
      if (token) headers["X-CSRFToken"] = token;
    }
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    }
    let response;
    try {
      response = await fetch(url, { method, headers, body, credentials: "same-origin" });
    } catch (err) {
      throw new ApiError(gettext("Could not reach the server. Check your connection and try again."), { code: "network" });
    }
    const isJson = (response.headers.get("Content-Type") || "").includes("json");
    const data = response.status === 204 || !isJson ? null : await response.json().catch(() => null);
    if (!response.ok) {
      const detail = data && data.detail ? String(data.detail) : interpolate(gettext("The server answered %(status)s."), { status: `${response.status} ${response.statusText}`.trim() }, true);
      throw new ApiError(detail, {
        status: response.status,
        code: (data && data.error) || `http_${response.status}`,
        retryAfter: retryAfterSeconds(response.headers.get("Retry-After")),
      });
    }
    return data;
  }

  Chorus.api = request;
  Chorus.ApiError = ApiError;
  Chorus.cookie = cookie;
})();
