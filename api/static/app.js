// citeqa web page: asks POST v1/ask (or v1/search) and shows the answer with clickable
// [n] markers and the cited passages with their best sentence highlighted. Paths are relative,
// so the page also works behind a path prefix. No build step.
"use strict";

const $ = (id) => document.getElementById(id);
const KEY_STORE = "citeqa.apiKey";

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

function setStatus(text, isError = false) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

async function call(path, body) {
  const response = await fetch(path, { method: "POST", headers: headers(), body: JSON.stringify(body) });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const message = data && data.error ? data.error.message : `HTTP ${response.status}`;
    throw new Error(message);
  }
  return data;
}

// The collections the server holds: a selector, shown only when there are several.
async function loadCollections() {
  const select = $("collection");
  const response = await fetch("v1/collections", { headers: headers() }).catch(() => null);
  if (!response || !response.ok) return;
  const { collections } = await response.json();
  const chosen = select.value;
  select.replaceChildren(
    ...collections.map((c) => new Option(`${c.name} (${c.documents} documents)`, c.name, c.default, c.default))
  );
  if (collections.some((c) => c.name === chosen)) select.value = chosen;
  select.hidden = collections.length < 2;
}

function target() {
  const select = $("collection");
  return select.hidden || !select.value ? {} : { collection: select.value };
}

// The answer text with each [n] turned into a link to passage n.
function renderAnswer(answer) {
  const box = $("answer");
  box.replaceChildren();
  box.classList.toggle("abstained", answer.abstained);
  const known = new Set(answer.citations.map((c) => c.n));
  const parts = answer.answer.split(/(\[\d+\])/);
  for (const part of parts) {
    const match = /^\[(\d+)\]$/.exec(part);
    if (match && known.has(Number(match[1]))) {
      const n = Number(match[1]);
      const link = document.createElement("a");
      link.href = `#passage-${n}`;
      link.className = "marker";
      link.textContent = `[${n}]`;
      link.dataset.n = String(n);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        focusPassage(n);
      });
      box.append(link);
    } else if (part) {
      box.append(document.createTextNode(part));
    }
  }
  $("answer-box").hidden = false;
}

function focusPassage(n) {
  const item = $(`passage-${n}`);
  if (!item) return;
  item.scrollIntoView({ behavior: "smooth", block: "center" });
  item.classList.remove("flash");
  void item.offsetWidth; // restart the animation
  item.classList.add("flash");
}

// Text with the [start, end) span (in code points, as the server counts) marked.
function highlighted(text, span) {
  const out = document.createDocumentFragment();
  if (!span) {
    out.append(text);
    return out;
  }
  const chars = Array.from(text);
  const mark = document.createElement("mark");
  mark.textContent = chars.slice(span[0], span[1]).join("");
  out.append(chars.slice(0, span[0]).join(""), mark, chars.slice(span[1]).join(""));
  return out;
}

function renderPassages(citations) {
  const list = $("passages");
  list.replaceChildren();
  for (const c of citations) {
    const item = document.createElement("li");
    item.id = `passage-${c.n}`;
    item.className = "passage";

    const head = document.createElement("div");
    head.className = "where";
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = `[${c.n}]`;
    const title = document.createElement("strong");
    title.className = "title";
    title.textContent = c.title;
    head.append(badge, title);
    // the section path, without a first heading that is also the title
    const sections = (c.section || "").split(" › ").filter(Boolean);
    if (sections[0] === c.title) sections.shift();
    if (sections.length) {
      const section = document.createElement("span");
      section.className = "section";
      section.textContent = ` › ${sections.join(" › ")}`;
      head.append(section);
    }
    if (c.page) {
      const page = document.createElement("span");
      page.className = "page";
      page.textContent = ` · p. ${c.page}`;
      head.append(page);
    }

    const body = document.createElement("p");
    body.className = "text";
    body.append(highlighted(c.text, c.highlight));

    const foot = document.createElement("div");
    foot.className = "source";
    const file = c.source.split(/[\\/]/).pop();
    foot.textContent = `${file} · characters ${c.char_start}–${c.char_end} · score ${c.score.toFixed(2)}`;
    foot.title = c.source;

    item.append(head, body, foot);
    list.append(item);
  }
  $("passages-box").hidden = citations.length === 0;
}

async function run(mode) {
  const question = $("question").value.trim();
  if (!question) {
    setStatus("Type a question first.", true);
    return;
  }
  const k = Number($("k").value);
  setStatus(mode === "ask" ? "Finding the answer…" : "Searching…");
  for (const button of document.querySelectorAll("form button")) button.disabled = true;
  try {
    if (mode === "ask") {
      const answer = await call("v1/ask", { question, k, ...target() });
      renderAnswer(answer);
      renderPassages(answer.citations);
      const sure = `confidence ${Math.round(answer.confidence * 100)}%`;
      setStatus(answer.abstained ? `No passage answers this well (${sure}).` : sure);
    } else {
      const result = await call("v1/search", { question, k, ...target() });
      $("answer-box").hidden = true;
      renderPassages(result.hits);
      setStatus(result.hits.length ? "" : "No passages found.");
    }
  } catch (error) {
    setStatus(error.message, true);
  } finally {
    for (const button of document.querySelectorAll("form button")) button.disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("api-key").value = localStorage.getItem(KEY_STORE) || "";
  $("api-key").addEventListener("change", () => {
    localStorage.setItem(KEY_STORE, $("api-key").value.trim());
    loadCollections();
  });
  loadCollections();
  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    run("ask");
  });
  $("search").addEventListener("click", () => run("search"));
  for (const example of document.querySelectorAll(".example")) {
    example.addEventListener("click", () => {
      $("question").value = example.textContent;
      run("ask");
    });
  }
});
