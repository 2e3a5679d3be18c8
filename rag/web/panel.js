// The source panel: a whole article with the cited span highlighted, the other articles
// that report the same fact, and the list of articles (doclist.js). A side panel on wide
// screens, a full-screen overlay on narrow ones.

import { getDocument } from "./api.js";
import { documentList } from "./doclist.js";
import { button, codePointOffset, el, formatDate, safeUrl, sourceName } from "./dom.js";
import { restrictToDocument } from "./filters.js";
import { hidePopover } from "./popover.js";

const layout = document.getElementById("layout");
const panel = document.getElementById("panel");
const heading = document.getElementById("panel-heading");
const subtitle = document.getElementById("panel-subtitle");
const body = document.getElementById("panel-body");
const back = document.getElementById("panel-back");
const closeButton = document.getElementById("panel-close");
const also = document.getElementById("panel-also");
const alsoList = document.getElementById("panel-also-list");

let returnFocusTo = null;
let activeTrigger = null; // the chip or list entry whose source is shown

function setActive(trigger) {
  if (activeTrigger) activeTrigger.classList.remove("is-active");
  activeTrigger = trigger || null;
  if (activeTrigger) activeTrigger.classList.add("is-active");
}
let generation = 0; // the latest request wins when the reader clicks quickly

function open(trigger) {
  hidePopover();
  if (trigger && panel.hidden) returnFocusTo = trigger;
  if (trigger && !trigger.classList.contains("also-item")) setActive(trigger);
  panel.hidden = false;
  layout.classList.add("layout--panel");
  document.documentElement.classList.add("panel-open");
}

export function closePanel() {
  if (panel.hidden) return false;
  generation += 1;
  setActive(null);
  panel.hidden = true;
  layout.classList.remove("layout--panel");
  document.documentElement.classList.remove("panel-open");
  const target = returnFocusTo;
  returnFocusTo = null;
  if (target && target.isConnected) target.focus();
  return true;
}

export const panelOpen = () => !panel.hidden;

function setHeading(text, detail) {
  heading.textContent = text;
  subtitle.textContent = detail || "";
  subtitle.hidden = !detail;
}

function loading(text) {
  also.hidden = true;
  alsoList.replaceChildren();
  body.replaceChildren(el("p", "panel__loading", text));
  body.scrollTop = 0;
}

function failed(error, retry) {
  const box = el("div", "notice notice--error");
  box.setAttribute("role", "alert");
  box.append(el("p", null, error.message || "Something went wrong."));
  box.append(button("button button--small", "Try again", retry));
  body.replaceChildren(box);
}

/** The article text as three text nodes: before, <mark>span</mark>, after. */
function articleText(text, span) {
  const container = el("div", "article__text");
  if (!span) {
    container.append(document.createTextNode(text));
    return { container, mark: null };
  }
  let start = codePointOffset(text, span.start);
  let end = codePointOffset(text, span.end);
  if (span.quote && text.slice(start, end) !== span.quote) {
    const found = text.indexOf(span.quote);
    if (found !== -1) [start, end] = [found, found + span.quote.length];
  }
  const mark = el("mark", "article__mark");
  mark.append(document.createTextNode(text.slice(start, end)));
  container.append(
    document.createTextNode(text.slice(0, start)),
    mark,
    document.createTextNode(text.slice(end)),
  );
  return { container, mark };
}

function articleHeader(doc, reportedBy) {
  const header = el("header", "article__header");
  const kicker = el("p", "article__kicker");
  const bits = [doc.outlet, formatDate(doc.published)].filter(Boolean);
  if (bits.length) kicker.append(el("span", null, bits.join(" · ")));
  if (doc.origin === "added") kicker.append(el("span", "badge badge--muted", "Added"));
  if (kicker.childNodes.length) header.append(kicker);
  header.append(el("h2", "article__title", doc.title));
  const facts = el("p", "article__facts");
  if (reportedBy > 1) facts.append(el("span", "badge", `Reported by ${reportedBy} sources`));
  const url = safeUrl(doc.url);
  if (url) {
    const link = el("a", "article__link", "Original article ↗");
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    facts.append(link);
  }
  facts.append(button("button button--small", "Ask only this article", () => {
    restrictToDocument(doc.document_id, doc.title);
    closePanel();
    document.getElementById("question").focus();
  }));
  if (facts.childNodes.length) header.append(facts);
  return header;
}

function showAlso(members, current, label) {
  const others = members.filter((_, index) => index !== current);
  if (!others.length) {
    also.hidden = true;
    alsoList.replaceChildren();
    return;
  }
  const items = others.map((member) => {
    const item = el("li");
    const entry = button("also-item", null, () => {
      showMember(members, members.indexOf(member), label, entry);
    });
    entry.append(el("span", "also-item__source", sourceName(member)));
    if (member.outlet) entry.append(el("span", "also-item__title", member.title));
    entry.append(el("span", "also-item__quote", member.quote));
    entry.setAttribute("aria-label", `Read ${sourceName(member)}: ${member.title}`);
    item.append(entry);
    return item;
  });
  alsoList.replaceChildren(...items);
  also.hidden = false;
}

async function showMember(members, index, label, trigger) {
  const member = members[index];
  const ticket = ++generation;
  open(trigger);
  back.hidden = true;
  setHeading(index === 0 ? label : `${label} · also reported by`, sourceName(member));
  loading("Loading the article…");
  try {
    const doc = await getDocument(member.document_id);
    if (ticket !== generation) return;
    const { container, mark } = articleText(doc.text, member);
    const article = el("article", "article");
    article.append(articleHeader(doc, members.length), container);
    body.replaceChildren(article);
    showAlso(members, index, label);
    heading.focus({ preventScroll: true });
    body.scrollTop = 0;
    if (mark) mark.scrollIntoView({ block: "center" });
  } catch (error) {
    if (ticket === generation) failed(error, () => showMember(members, index, label, trigger));
  }
}

/** Open a citation of an answer: its article, the quote highlighted, the corroborations. */
export function openCitation(citation, trigger) {
  const members = [
    {
      document_id: citation.document_id, outlet: citation.outlet, title: citation.title,
      quote: citation.quote, start: citation.start, end: citation.end,
    },
    ...(citation.also_reported_by || []),
  ];
  return showMember(members, 0, `Source ${citation.n}`, trigger);
}

async function openArticle(summary, trigger) {
  const ticket = ++generation;
  open(trigger);
  back.hidden = false;
  setHeading("Article");
  loading("Loading the article…");
  try {
    const doc = await getDocument(summary.document_id);
    if (ticket !== generation) return;
    const article = el("article", "article");
    article.append(articleHeader(doc, 0), articleText(doc.text, null).container);
    body.replaceChildren(article);
    heading.focus({ preventScroll: true });
    body.scrollTop = 0;
  } catch (error) {
    if (ticket === generation) failed(error, () => openArticle(summary, trigger));
  }
}

/** The indexed articles, searchable, sorted and a page at a time; each readable here. */
export function openDocuments(trigger) {
  generation += 1;
  open(trigger);
  back.hidden = true;
  setHeading("Articles");
  also.hidden = true;
  alsoList.replaceChildren();
  body.replaceChildren(documentList({ onOpen: openArticle }));
  body.scrollTop = 0;
  heading.focus({ preventScroll: true });
}

back.addEventListener("click", () => openDocuments());
closeButton.addEventListener("click", closePanel);
