// The article list in the panel: search by title or outlet, sort, and page through the
// archive a page at a time (GET /api/documents with q, sort, offset and limit).

import { listDocuments } from "./api.js";
import { button, el, formatDate } from "./dom.js";

const SORTS = [
  ["newest", "Newest first"],
  ["oldest", "Oldest first"],
  ["title", "Title"],
  ["added", "Order added"], // first added first: the API keeps the index order
];
const PAGE_SIZES = [10, 25, 50, 100];
const SEARCH_DELAY_MS = 250;
const number = new Intl.NumberFormat();

// Kept while the page is open, so "← All articles" comes back to the same place.
const view = { q: "", sort: "newest", offset: 0, limit: 50 };

const plural = (n, one, many) => `${number.format(n)} ${n === 1 ? one : many}`;

function select(id, label, options, value, onChange) {
  const wrap = el("label", "doc-tools__field");
  wrap.htmlFor = id;
  wrap.append(el("span", "doc-tools__label", label));
  const node = el("select");
  node.id = id;
  for (const [optionValue, text] of options) {
    const option = el("option", null, text);
    option.value = String(optionValue);
    node.append(option);
  }
  node.value = String(value);
  node.addEventListener("change", () => onChange(node.value));
  wrap.append(node);
  return { wrap, node };
}

function entry(doc, onOpen) {
  const item = el("li");
  const node = button("doc-item", null, () => onOpen(doc, node));
  const kicker = [doc.outlet, formatDate(doc.published)].filter(Boolean).join(" · ");
  if (kicker) node.append(el("span", "doc-item__kicker", kicker));
  node.append(el("span", "doc-item__title", doc.title));
  const words = `${plural(doc.passages, "passage", "passages")} · ` +
    `${Math.max(1, Math.round(doc.characters / 1000))}k characters`;
  const meta = el("span", "doc-item__meta", words);
  if (doc.origin === "added") meta.append(el("span", "badge badge--muted", "Added"));
  node.append(meta);
  item.append(node);
  return item;
}

function introText(total, query) {
  if (!query) {
    return `${plural(total, "article is", "articles are")} indexed. Answers quote only these.`;
  }
  if (!total) return `No article matches “${query}”.`;
  return `${plural(total, "article matches", "articles match")} “${query}”.`;
}

/** The list with its search, sort and pager; `onOpen(doc, entry)` reads an article. */
export function documentList({ onOpen }) {
  const root = el("div", "doc-browser");
  const tools = el("div", "doc-tools");
  const searchField = el("label", "doc-tools__field doc-tools__search");
  searchField.htmlFor = "doc-search";
  searchField.append(el("span", "visually-hidden", "Search the articles"));
  const search = el("input");
  search.type = "search";
  search.id = "doc-search";
  search.placeholder = "Search titles and outlets";
  search.autocomplete = "off";
  search.value = view.q;
  searchField.append(search);
  const sort = select("doc-sort", "Sort", SORTS, view.sort, (value) => {
    view.sort = value;
    view.offset = 0;
    load();
  });
  tools.append(searchField, sort.wrap);

  const intro = el("p", "doc-list__intro");
  intro.setAttribute("aria-live", "polite");
  const results = el("div", "doc-results");
  results.append(el("p", "panel__loading", "Loading the articles…"));

  const pager = el("nav", "doc-pager");
  pager.setAttribute("aria-label", "Pages of articles");
  const previous = button("button button--small", "← Previous", () => turn(-1));
  const range = el("span", "doc-pager__range");
  const next = button("button button--small", "Next →", () => turn(1));
  const size = select("doc-page-size", "Per page", PAGE_SIZES.map((n) => [n, String(n)]),
    view.limit, (value) => {
      view.limit = Number(value);
      view.offset = 0;
      load();
    });
  pager.append(previous, range, next, size.wrap);
  pager.hidden = true;
  root.append(tools, intro, results, pager);

  let ticket = 0;
  let total = 0;

  function render(page) {
    total = page.total;
    intro.textContent = introText(total, view.q.trim());
    const list = el("ul", "doc-list");
    list.append(...page.documents.map((doc) => entry(doc, onOpen)));
    results.replaceChildren(list);
    const first = total ? page.offset + 1 : 0;
    const last = page.offset + page.documents.length;
    range.textContent = `${number.format(first)}–${number.format(last)} of ${number.format(total)}`;
    const focused = document.activeElement;
    previous.disabled = page.offset === 0;
    next.disabled = last >= total;
    // The reader paged to the end (or start): keep the focus on the pager.
    if (focused === next && next.disabled) previous.focus();
    if (focused === previous && previous.disabled) next.focus();
    pager.hidden = total === 0;
  }

  async function load() {
    const mine = ++ticket;
    root.setAttribute("aria-busy", "true");
    try {
      const page = await listDocuments({
        q: view.q.trim(), sort: view.sort, offset: view.offset, limit: view.limit,
      });
      if (mine !== ticket || !root.isConnected) return;
      if (page.total && view.offset >= page.total) { // articles were removed meanwhile
        view.offset = Math.floor((page.total - 1) / view.limit) * view.limit;
        load();
        return;
      }
      render(page);
    } catch (error) {
      if (mine !== ticket || !root.isConnected) return;
      const box = el("div", "notice notice--error");
      box.setAttribute("role", "alert");
      box.append(el("p", null, error.message || "Something went wrong."));
      box.append(button("button button--small", "Try again", load));
      results.replaceChildren(box);
    } finally {
      if (mine === ticket) root.removeAttribute("aria-busy");
    }
  }

  function turn(direction) {
    const offset = view.offset + direction * view.limit;
    if (offset < 0 || offset >= total) return;
    view.offset = offset;
    load().then(() => {
      const scroller = root.closest(".panel__body");
      if (scroller) scroller.scrollTop = 0;
    });
  }

  let timer = 0;
  const searchNow = () => {
    clearTimeout(timer);
    if (search.value === view.q) return;
    view.q = search.value;
    view.offset = 0;
    load();
  };
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(searchNow, SEARCH_DELAY_MS);
  });
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") searchNow();
    if (event.key === "Escape" && search.value) { // clears the search, not the panel
      event.preventDefault();
      event.stopPropagation();
      search.value = "";
      searchNow();
    }
  });

  load();
  return root;
}
