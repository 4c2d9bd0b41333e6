// The JSON API: requests, idempotent submissions, downloads, jobs and how problems are shown.
import { h } from "./dom.js";
import { number, t } from "./format.js";
import { logout } from "./session.js";
import { state } from "./state.js";
import { TEXTS } from "./texts.js";

// One Idempotency-Key per submission, kept on the form (or button): a retry of the same content
// (after a network error or a double click) reuses it, so the server creates the record once;
// different content, or a success, starts a new submission.
export const submissionKey = (holder, content) => {
  if (holder.dataset.submissionContent !== content || !holder.dataset.submissionKey) {
    holder.dataset.submissionContent = content;
    holder.dataset.submissionKey = globalThis.crypto && crypto.randomUUID
      ? crypto.randomUUID()
      : `ui-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  }
  return holder.dataset.submissionKey;
};
export const submissionDone = (holder) => {
  delete holder.dataset.submissionKey;
  delete holder.dataset.submissionContent;
};

export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/** The media type of a table the user picked: an Excel workbook or CSV. */
export const tableType = (file) => (/\.xlsx$/i.test(file.name) ? XLSX_TYPE : "text/csv");
export const api = async (method, path, body, { csv = false, contentType = null, headers = {} } = {}) => {
  // Problems come back in the interface's language.
  const init = { method, headers: { "accept-language": state.lang, ...headers } };
  if (state.token) init.headers.authorization = `Bearer ${state.token}`;
  if (body !== undefined) {
    const raw = csv || contentType;
    init.headers["content-type"] = contentType || (csv ? "text/csv" : "application/json");
    init.body = raw ? body : JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, init);
  } catch (_) {
    return { ok: false, status: 0, problem: { type: "/problems/network" } };
  }
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (res.status === 401 && state.token && !path.startsWith("/auth/login")) {
    // Said on the login page: the session ended, which is not a wrong password.
    sessionStorage.setItem("seika.session-ended", "1");
    logout(false);
  }
  return res.ok ? { ok: true, status: res.status, data, etag: res.headers.get("etag") } : { ok: false, status: res.status, problem: data || {} };
};

/** Attaches a file as evidence of a record; the server reads its type from its bytes. */
export const attachEvidence = async (project, collection, id, file) => {
  const init = { method: "POST", headers: { authorization: `Bearer ${state.token}`, "accept-language": state.lang, "content-type": "application/octet-stream" }, body: await file.arrayBuffer() };
  try {
    const res = await fetch(`/api/v1/projects/${project}/${collection}/${id}/evidence?name=${encodeURIComponent(file.name)}`, init);
    const text = await res.text();
    return res.ok ? { ok: true } : { ok: false, status: res.status, problem: text ? JSON.parse(text) : {} };
  } catch (_) {
    return { ok: false, status: 0, problem: { type: "/problems/network" } };
  }
};
/** Downloads a file from the API with the session's token, under the given name. */
export const download = async (path, fileName, body) => {
  const init = { headers: { authorization: `Bearer ${state.token}`, "accept-language": state.lang } };
  if (body !== undefined) Object.assign(init, { method: "POST", body: JSON.stringify(body), headers: { ...init.headers, "content-type": "application/json" } });
  const res = await fetch(`/api/v1${path}`, init);
  if (!res.ok) return res.json().catch(() => ({})).then((problem) => ({ ok: false, problem }));
  const url = URL.createObjectURL(await res.blob());
  const a = h("a", { href: url, download: fileName });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return { ok: true };
};
/** Downloads an evidence file, as the file it is. */
const downloadEvidence = (project, file) => download(`/projects/${project}/evidence/${file.id}`, file.file_name);
export const evidenceList = (project, files) => files.length
  ? h("ul", { class: "evidence-files" }, files.map((f) => h("li", {},
    h("button", { type: "button", class: "link", text: f.file_name, onclick: () => downloadEvidence(project, f) }),
    ` (${f.content_type}, ${number(f.size_bytes)} B, SHA-256 `, h("code", { class: "hash", text: f.sha256.slice(0, 16) }), ")")))
  : t("common.none");

/** Where a problem is, as the server names it in the interface language (a file's row and
 * column, or a field's path). */
export const placeOf = (e) => e.place || e.field;

/** Follows a queued job to its end; answers as the request would have (its result, or its problem). */
export const jobAnswer = async (job) => {
  while (job.status === "queued" || job.status === "running") {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const polled = await api("GET", `/jobs/${job.id}`);
    if (!polled.ok) return polled;
    job = polled.data;
  }
  if (job.status === "failed") {
    const status = { "validation-failed": 422, conflict: 409, "not-permitted": 403 }[job.problem.kind] || 500;
    return { ok: false, status, problem: { type: `/problems/${job.problem.kind}`, detail: job.problem.detail, errors: job.problem.errors } };
  }
  return { ok: true, status: 200, data: job.result };
};

/** A translated error box for a problem+json answer, listing each field. */
export const problemBox = (problem) => {
  const slug = (problem.type || "/problems/network").split("/").pop();
  const errors = problem.errors || [];
  // Every refusal says why in the language asked for (the server's catalogue); a refused form
  // lists its fields instead.
  const reason = slug !== "validation-failed" ? problem.detail || null : null;
  return h("div", { class: "error", role: "alert" },
    h("p", { class: "error-title", text: TEXTS[state.lang][`error.${slug}`] ? t(`error.${slug}`) : t("error.title") }),
    reason ? h("p", { class: "error-reason", text: reason }) : null,
    errors.length ? h("ul", {}, errors.map((e) => h("li", {}, e.field ? h("code", { text: placeOf(e) }) : null, e.field ? " " : null, e.message))) : null);
};
export const showProblem = (container, problem) => {
  container.replaceChildren(problemBox(problem));
  container.querySelector(".error").focus?.();
};

/** Shows a problem's field errors beside the fields whose ids are `prefix` + field. */
export const showFieldProblems = (form, message, problem, prefix) => {
  form.querySelectorAll(".field-error").forEach((e) => { e.textContent = ""; });
  for (const e of problem.errors || []) {
    const box = form.querySelector(`#${prefix}${e.field}-error`);
    if (box) box.textContent = e.message;
    form.querySelector(`#${prefix}${e.field}`)?.setAttribute("aria-invalid", "true");
  }
  showProblem(message, problem);
};
/** Download a table the server lays out: CSV (UTF-8, or Shift_JIS for older systems) or Excel,
 *  each optionally with 和暦 columns. */
export const downloadLinks = (holderId, path, stem) => {
  const wareki = h("input", { type: "checkbox", id: `${holderId}-wareki` });
  const get = (format, encoding, ext) => () => {
    const q = new URLSearchParams({ format });
    if (encoding) q.set("encoding", encoding);
    if (wareki.checked) q.set("wareki", "true");
    download(`${path}?${q}`, `${stem}.${ext}`);
  };
  return h("p", { id: holderId, class: "downloads no-print" }, h("strong", { text: `${t("dl.title")}: ` }),
    h("button", { type: "button", class: "link", text: t("dl.xlsx"), onclick: get("xlsx", null, "xlsx") }), " · ",
    h("button", { type: "button", class: "link", text: t("dl.csv"), onclick: get("csv", null, "csv") }), " · ",
    h("button", { type: "button", class: "link", text: t("dl.sjis"), onclick: get("csv", "shift_jis", "csv") }), " ",
    wareki, " ", h("label", { for: `${holderId}-wareki`, text: t("dl.wareki") }));
};
