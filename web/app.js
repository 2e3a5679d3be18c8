// Search page: every server string is inserted with textContent, never as HTML.
"use strict";

const form = document.getElementById("search-form");
const input = document.getElementById("query");
const results = document.getElementById("results");
const errorBox = document.getElementById("error");
const statusLine = document.getElementById("status");

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

async function errorMessage(response) {
  try {
    return (await response.json()).error.message;
  } catch {
    return `The server answered ${response.status}.`;
  }
}

async function loadStatus() {
  try {
    const response = await fetch("/api/health");
    const health = await response.json();
    statusLine.textContent = health.index_loaded
      ? `${health.documents} articles, ${health.passages} passages indexed`
      : `Index not loaded: ${health.error}`;
  } catch {
    statusLine.textContent = "The server is unreachable.";
  }
}

function renderHit(hit) {
  const item = element("li");
  const source = [hit.outlet, hit.title].filter(Boolean).join(" — ");
  item.append(element("div", "source", source));
  item.append(element("p", "passage", hit.text));
  return item;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  const query = input.value.trim();
  if (!query) return showError("Type a question first.");
  try {
    const response = await fetch(`/api/search?${new URLSearchParams({ q: query, k: "5" })}`);
    if (!response.ok) return showError(await errorMessage(response));
    const body = await response.json();
    results.replaceChildren(...body.hits.map(renderHit));
    if (!body.hits.length) showError("No passage matches.");
  } catch {
    showError("The server is unreachable; your question is kept, try again.");
  }
});

loadStatus();
