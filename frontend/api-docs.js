// The API reference page: reads /api/v1/openapi.json and lets a person try each endpoint.
"use strict";
const $ = (sel, el = document) => el.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) k === "text" ? (e.textContent = v) : e.setAttribute(k, v);
  kids.forEach((k) => e.append(k));
  return e;
};
let spec;
const resolve = (schema, depth = 0) => {
  if (!schema || depth > 6) return schema;
  if (schema.$ref) return resolve(spec.components.schemas[schema.$ref.split("/").pop()], depth + 1);
  return schema;
};
/** A skeleton request body from a schema: required fields with placeholder values. */
const example = (schema, depth = 0) => {
  schema = resolve(schema, depth);
  if (!schema || depth > 5) return null;
  if (schema.oneOf) return example(schema.oneOf[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (schema.enum) return schema.enum.find((v) => v !== null);
  if (schema.const) return schema.const;
  if (type === "object") {
    const out = {};
    for (const name of schema.required || []) out[name] = example(schema.properties[name], depth + 1);
    return out;
  }
  if (type === "array") return [];
  if (type === "string") return schema.pattern ? "0" : schema.format === "date" ? "2025-04-01" : "";
  if (type === "integer") return 1;
  if (type === "boolean") return false;
  return null;
};
$("#login").addEventListener("click", async () => {
  const res = await fetch("/api/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: $("#email").value, password: $("#password").value }) });
  const body = await res.json();
  $("#token").value = res.ok ? body.access_token : "";
  if (!res.ok) alert(body.detail);
});
const render = () => {
  const main = $("#main");
  main.replaceChildren(el("p", { text: spec.info.description }));
  const byTag = {};
  for (const [path, item] of Object.entries(spec.paths))
    for (const [method, op] of Object.entries(item)) (byTag[op.tags[0]] ||= []).push({ path, method, op });
  for (const [tag, ops] of Object.entries(byTag)) {
    main.append(el("h2", { text: tag }));
    for (const { path, method, op } of ops) {
      const params = el("div", { class: "params" });
      for (const p of op.parameters || []) {
        const id = `${op.operationId}-${p.name}`;
        params.append(el("div", {}, el("label", { for: id, text: `${p.name} (${p.in}${p.required ? ", required" : ""})` }),
          el("input", { id, "data-in": p.in, "data-name": p.name })));
      }
      const bodyType = op.requestBody && Object.keys(op.requestBody.content)[0];
      const bodyId = `${op.operationId}-body`;
      const body = bodyType ? el("textarea", { id: bodyId }) : null;
      if (body) body.value = bodyType === "text/csv" ? "participant,outcome,achieved_on\n" : JSON.stringify(example(op.requestBody.content[bodyType].schema), null, 2);
      const out = el("pre", { "aria-live": "polite" });
      const send = el("button", { type: "button", text: "Send" });
      send.addEventListener("click", async () => {
        let url = path;
        const query = new URLSearchParams();
        const headers = {};
        for (const input of params.querySelectorAll("input")) {
          if (!input.value) continue;
          if (input.dataset.in === "path") url = url.replace(`{${input.dataset.name}}`, encodeURIComponent(input.value));
          else if (input.dataset.in === "query") query.set(input.dataset.name, input.value);
          else headers[input.dataset.name] = input.value;
        }
        if ($("#token").value) headers.authorization = `Bearer ${$("#token").value}`;
        if (body) headers["content-type"] = bodyType;
        const res = await fetch(url + (query.size ? `?${query}` : ""), { method: method.toUpperCase(), headers, body: body ? body.value : undefined });
        const text = await res.text();
        let shown = text;
        try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (_) { /* not JSON */ }
        out.textContent = `${res.status} ${res.statusText}\n${shown}`;
      });
      const responses = el("ul");
      for (const [status, r] of Object.entries(op.responses)) responses.append(el("li", { text: `${status} ${r.description}` }));
      const ok = Object.entries(op.responses).find(([s]) => s.startsWith("2"));
      const okSchema = ok && ok[1].content && resolve(Object.values(ok[1].content)[0].schema);
      const details = el("details", {},
        el("summary", {}, el("span", { class: "method", text: method.toUpperCase() }), el("span", { class: "path", text: path }), el("span", { text: op.summary })),
        el("div", { class: "op" },
          params,
          body ? el("div", {}, el("label", { for: bodyId, text: `Request body (${bodyType})` }), body) : "",
          el("p", {}, send),
          out,
          el("h3", { text: "Responses" }), responses,
          okSchema ? el("details", {}, el("summary", { text: "Success schema" }), el("pre", { text: JSON.stringify(okSchema, null, 2) })) : ""));
      main.append(details);
    }
  }
};
fetch("/api/v1/openapi.json").then((r) => r.json()).then((s) => { spec = s; render(); });
