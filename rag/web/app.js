// The chat page: ask, stream the cited answer, follow up. Every string from the server is
// inserted as text (textContent / text nodes), never as HTML.

import { askStream, health } from "./api.js";
import { button, el } from "./dom.js";
import {
  clearFilters, closeFilters, currentFilters, describeFilters, filtersOpen,
} from "./filters.js";
import { closePanel, openDocuments, panelOpen } from "./panel.js";
import { hidePopover, popoverOpen } from "./popover.js";
import { createTurn } from "./render.js";

const EXAMPLES = [
  "Why did Tehran rebuff Baghdad?",
  "When was Kataib Hezbollah founded?",
  "What did Washington promise Baghdad?",
  "Which Iraqi groups are leading the attacks on Israel?",
];
const MAX_HISTORY = 20; // turns the API accepts

const form = document.getElementById("composer");
const input = document.getElementById("question");
const sendButton = document.getElementById("send");
const composerError = document.getElementById("composer-error");
const transcript = document.getElementById("transcript");
const welcome = document.getElementById("welcome");
const examples = document.getElementById("examples");
const newChatButton = document.getElementById("new-chat");
const documentsButton = document.getElementById("documents-button");
const statusLine = document.getElementById("status");

let history = []; // [{role, content}], user questions and the answers' text
let inFlight = null; // AbortController of the answer being streamed

function showError(message, detail) {
  const text = el("span", "composer__error-text");
  const sentence = /[.!?…]$/.test(message) ? message : `${message}.`;
  text.append(el("strong", null, sentence));
  if (detail) text.append(document.createTextNode(` ${detail}`));
  composerError.replaceChildren(text);
  composerError.hidden = false;
}

function clearError() {
  composerError.hidden = true;
  composerError.replaceChildren();
}

function autosize() {
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}

function setBusy(busy) {
  sendButton.disabled = busy;
  form.classList.toggle("is-busy", busy);
}

function nearBottom() {
  const doc = document.documentElement;
  return doc.scrollHeight - (window.scrollY + window.innerHeight) < 160;
}

function followScroll(force) {
  if (force || nearBottom()) window.scrollTo({ top: document.documentElement.scrollHeight });
}

async function ask(question) {
  if (inFlight) return;
  clearError();
  if (!question.trim()) {
    showError("Type a question first.");
    input.focus();
    return;
  }
  welcome.hidden = true;
  newChatButton.disabled = false;
  input.value = "";
  autosize();
  const filters = currentFilters();
  const turn = createTurn(question, {
    onBrowse: openDocuments,
    scope: filters ? describeFilters() : "",
    onClearFilters: () => {
      clearFilters();
      input.focus();
    },
  });
  transcript.append(turn.element);
  followScroll(true);
  const controller = new AbortController();
  inFlight = controller;
  setBusy(true);
  try {
    const answer = await askStream(
      { question, history: history.slice(-MAX_HISTORY), filters, signal: controller.signal },
      {
        sources: (sources) => turn.sources(sources),
        delta: (text) => {
          turn.delta(text);
          followScroll(false);
        },
      },
    );
    turn.finish(answer);
    history = [
      ...history,
      { role: "user", content: question },
      { role: "assistant", content: answer.answer },
    ].slice(-MAX_HISTORY);
    followScroll(false);
  } catch (error) {
    turn.element.remove();
    if (error && error.name === "AbortError") return;
    if (!input.value.trim()) {
      input.value = question;
      autosize();
    }
    if (!transcript.childElementCount) welcome.hidden = false;
    showError(error.message || "Something went wrong", "Your question is still in the box.");
    input.focus();
  } finally {
    if (inFlight === controller) {
      inFlight = null;
      setBusy(false);
    }
  }
}

function newChat() {
  if (inFlight) inFlight.abort();
  inFlight = null;
  setBusy(false);
  history = [];
  transcript.replaceChildren();
  clearError();
  closePanel();
  welcome.hidden = false;
  newChatButton.disabled = true;
  input.value = "";
  autosize();
  input.focus();
}

async function loadStatus() {
  try {
    const info = await health();
    if (info.index_loaded) {
      statusLine.replaceChildren(
        el("span", null, `${info.documents} article${info.documents === 1 ? "" : "s"}`),
        el("span", "brand__status-extra", ` · ${info.passages} passages`),
      );
    } else {
      statusLine.textContent = `Index not loaded: ${info.error || "unknown reason"}`;
    }
    statusLine.classList.toggle("is-warning", !info.index_loaded);
  } catch {
    statusLine.textContent = "Server unreachable";
    statusLine.classList.add("is-warning");
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  ask(input.value.trim());
});

input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
});
input.addEventListener("input", () => {
  autosize();
  if (!composerError.hidden && input.value.trim()) clearError();
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  if (popoverOpen()) {
    hidePopover();
    return;
  }
  if (filtersOpen()) {
    event.preventDefault();
    closeFilters();
    return;
  }
  if (panelOpen()) {
    event.preventDefault();
    closePanel();
  }
});

newChatButton.addEventListener("click", newChat);
documentsButton.addEventListener("click", () => openDocuments(documentsButton));

examples.replaceChildren(...EXAMPLES.map((text) => {
  const item = el("li");
  item.append(button("example", text, () => ask(text)));
  return item;
}));

loadStatus();
autosize();
