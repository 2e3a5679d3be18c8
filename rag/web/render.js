// One exchange of the conversation: the question, the answer as it streams, then the
// final answer with citation chips, the cited sources and a copy button.

import { button, copyText, el, formatDate, sourceName } from "./dom.js";
import { openCitation } from "./panel.js";
import { attachPopover } from "./popover.js";

/** The answer as plain text: the answer, then `[n] outlet — title: "quote"` per citation. */
export function plainText(answer) {
  const lines = [answer.answer];
  if (answer.citations.length) lines.push("");
  for (const c of answer.citations) {
    const source = c.outlet ? `${c.outlet} — ${c.title}` : c.title;
    lines.push(`[${c.n}] ${source}: "${c.quote}"`);
  }
  return lines.join("\n");
}

/** The server's abstention text without the words the card's title already says. */
function abstainReason(text, title) {
  if (!text.startsWith(title)) return text;
  const rest = text.slice(title.length).replace(/^[\s:;,.—-]+/, "");
  return rest ? rest.charAt(0).toUpperCase() + rest.slice(1) : "";
}

function chip(citation) {
  const node = button("chip", String(citation.n), () => openCitation(citation, node));
  node.setAttribute("aria-label", `Source ${citation.n}: ${sourceName(citation)}`);
  node.dataset.n = String(citation.n);
  attachPopover(node, citation);
  return node;
}

/** Text with `[n]` markers shown as (not yet clickable) chips, while the answer streams. */
function streamingText(text) {
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(/\s*\[(\d+)\]/g)) {
    nodes.push(document.createTextNode(text.slice(last, match.index)));
    nodes.push(document.createTextNode(" "));
    nodes.push(el("span", "chip chip--pending", match[1]));
    last = match.index + match[0].length;
  }
  nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

function sourcesList(answer) {
  const section = el("section", "sources");
  const title = el("h3", "sources__title", answer.citations.length === 1 ? "Source" : "Sources");
  const list = el("ol", "sources__list");
  for (const citation of answer.citations) {
    const item = el("li");
    const entry = button("source-item", null, () => openCitation(citation, entry));
    entry.append(el("span", "source-item__n", String(citation.n)));
    const main = el("span", "source-item__main");
    const kicker = [citation.outlet, formatDate(citation.published)].filter(Boolean).join(" · ");
    if (kicker) main.append(el("span", "source-item__kicker", kicker));
    main.append(el("span", "source-item__title", citation.title));
    const others = (citation.also_reported_by || []).length;
    if (others) {
      main.append(el("span", "source-item__more",
        `Reported by ${others + 1} sources`));
    }
    entry.append(main);
    item.append(entry);
    list.append(item);
  }
  section.append(title, list);
  return section;
}

/** Sources that state different answers: each version with its source's chip. */
function conflictBox(conflicts, byNumber) {
  const box = el("div", "answer__conflict");
  box.setAttribute("role", "note");
  box.append(el("strong", "answer__conflict-title", "Sources disagree"));
  const list = el("ul", "answer__conflict-list");
  for (const conflict of conflicts) {
    const item = el("li", null, conflict.answer);
    for (const n of conflict.citations) {
      const citation = byNumber.get(n);
      if (citation) item.append(document.createTextNode("\u2009"), chip(citation));
    }
    list.append(item);
  }
  box.append(list);
  return box;
}

function copyButton(answer) {
  const node = button("button button--ghost button--small", "Copy", async () => {
    const ok = await copyText(plainText(answer));
    node.textContent = ok ? "Copied" : "Copy failed";
    node.classList.toggle("is-done", ok);
    setTimeout(() => {
      node.textContent = "Copy";
      node.classList.remove("is-done");
    }, 1600);
  });
  node.setAttribute("aria-label", "Copy the answer with its sources");
  return node;
}

/**
 * A new exchange in the transcript; returns callbacks that fill in the answer. `scope`
 * describes the filters the question was asked with ("" for none).
 */
export function createTurn(question, { onBrowse, scope = "", onClearFilters }) {
  const turn = el("article", "turn");
  const asked = el("div", "turn__question");
  asked.append(el("p", null, question));
  if (scope) asked.append(el("p", "turn__scope", `Filtered: ${scope}`));
  const answerBox = el("div", "answer answer--pending");
  answerBox.setAttribute("aria-live", "polite");
  answerBox.setAttribute("aria-busy", "true");
  const status = el("p", "answer__status", "Searching the articles");
  const text = el("p", "answer__text");
  answerBox.append(status, text);
  turn.append(asked, answerBox);
  let streamed = "";

  return {
    element: turn,
    sources(list) {
      const n = list.length;
      status.textContent = n ? `Reading ${n} passage${n === 1 ? "" : "s"}` : "Composing";
    },
    delta(chunk) {
      streamed += chunk;
      status.remove();
      text.replaceChildren(...streamingText(streamed));
    },
    finish(answer) {
      answerBox.className = "answer";
      answerBox.replaceChildren();
      if (answer.abstained) {
        answerBox.classList.add("answer--abstained");
        const title = "The articles don't cover this";
        const head = el("p", "answer__abstain-title", title);
        const hint = el("p", "answer__abstain-hint");
        const reason = abstainReason(answer.answer, title);
        hint.append(document.createTextNode(`${reason ? `${reason} ` : ""}Try rephrasing, `));
        if (scope && onClearFilters) {
          hint.append(button("link-button", "clear the filters", onClearFilters));
          hint.append(document.createTextNode(", "));
        }
        hint.append(document.createTextNode("or "));
        hint.append(button("link-button", "browse the articles", (event) => {
          onBrowse(event.currentTarget);
        }));
        hint.append(document.createTextNode("."));
        answerBox.append(head, hint);
      } else {
        const byNumber = new Map(answer.citations.map((c) => [c.n, c]));
        const conflicts = answer.conflicts || [];
        if (conflicts.length) answerBox.append(conflictBox(conflicts, byNumber));
        const paragraph = el("p", "answer__text");
        // A conflict's plain-text sentence is shown by the box instead.
        const shown = answer.sentences.filter((s) => s.role !== "disagreement");
        shown.forEach((sentence, index) => {
          if (index) {
            const lead = shown[index - 1].role === "short_answer";
            paragraph.append(document.createTextNode(lead ? ": " : " "));
          }
          if (sentence.role === "short_answer") {
            paragraph.append(el("strong", "answer__short", sentence.text));
          } else {
            paragraph.append(document.createTextNode(sentence.text));
          }
          for (const n of sentence.citations) {
            const citation = byNumber.get(n);
            if (!citation) continue;
            paragraph.append(document.createTextNode("\u2009"), chip(citation));
          }
        });
        answerBox.append(paragraph);
        if (answer.standalone_question && answer.standalone_question !== answer.question) {
          answerBox.append(el("p", "answer__rewrite",
            `Understood as “${answer.standalone_question}”`));
        }
        if (answer.citations.length) answerBox.append(sourcesList(answer));
      }
      const actions = el("div", "answer__actions");
      actions.append(copyButton(answer));
      const total = answer.timings_ms && answer.timings_ms.total;
      if (typeof total === "number") {
        actions.append(el("span", "answer__timing", total < 1000
          ? `${Math.round(total)} ms` : `${(total / 1000).toFixed(1)} s`));
      }
      answerBox.append(actions);
      answerBox.setAttribute("aria-busy", "false");
    },
  };
}
