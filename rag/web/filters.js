// Filters on the articles an answer may quote: outlets, a publication date range and single
// articles. A "Filters" disclosure by the composer holds the choices; the active ones show
// as removable chips. Every question sent carries `currentFilters()`.

import { listDocuments } from "./api.js";
import { button, el, formatDate } from "./dom.js";

const toggle = document.getElementById("filters-button");
const count = document.getElementById("filters-count");
const panel = document.getElementById("filters-panel");
const outletList = document.getElementById("filters-outlets");
const fromInput = document.getElementById("filters-from");
const toInput = document.getElementById("filters-to");
const clearButton = document.getElementById("filters-clear");
const doneButton = document.getElementById("filters-done");
const chips = document.getElementById("filters-active");
const clearAll = document.getElementById("filters-clear-all");

const chosen = {
  outlets: new Set(),
  from: "",
  to: "",
  documents: new Map(), // document id -> title, for the chip
};
const listeners = [];

/** The filters to send with a question, or null when none is set. */
export function currentFilters() {
  const filters = {};
  if (chosen.outlets.size) filters.outlets = [...chosen.outlets];
  if (chosen.from) filters.published_from = chosen.from;
  if (chosen.to) filters.published_to = chosen.to;
  if (chosen.documents.size) filters.document_ids = [...chosen.documents.keys()];
  return Object.keys(filters).length ? filters : null;
}

/** Each active filter: its chip text, what removing it says, and how to remove it. */
function activeFilters() {
  const active = [];
  for (const [id, title] of chosen.documents) {
    active.push({ text: `Only “${title}”`, label: `article ${title}`,
      remove: () => chosen.documents.delete(id) });
  }
  for (const outlet of chosen.outlets) {
    active.push({ text: outlet, label: `outlet ${outlet}`,
      remove: () => chosen.outlets.delete(outlet) });
  }
  if (chosen.from) {
    active.push({ text: `From ${formatDate(chosen.from)}`, label: "published from",
      remove: () => { chosen.from = ""; } });
  }
  if (chosen.to) {
    active.push({ text: `Until ${formatDate(chosen.to)}`, label: "published until",
      remove: () => { chosen.to = ""; } });
  }
  return active;
}

/** The active filters in a few words ("Harbour Times · From Mar 1, 2025"), or "". */
export function describeFilters() {
  return activeFilters().map((filter) => filter.text).join(" · ");
}

/** Call `listener()` whenever the filters change. */
export function onFiltersChange(listener) {
  listeners.push(listener);
}

function changed() {
  renderChips();
loadOutlets();
  syncControls();
  listeners.forEach((listener) => listener());
}

function renderChips() {
  const active = activeFilters();
  chips.replaceChildren(...active.map((filter, index) => {
    const item = el("li");
    const chip = button("filter-chip", null, () => {
      filter.remove();
      changed();
      // Keep the focus in the row: the next chip, else the previous one, else the toggle.
      const left = chips.querySelectorAll(".filter-chip");
      (left[Math.min(index, left.length - 1)] || toggle).focus();
    });
    chip.append(el("span", "filter-chip__text", filter.text));
    chip.append(el("span", "filter-chip__x", "×"));
    chip.lastChild.setAttribute("aria-hidden", "true");
    chip.setAttribute("aria-label", `Remove filter: ${filter.label}`);
    chip.title = "Remove this filter";
    item.append(chip);
    return item;
  }));
  chips.hidden = !active.length;
  clearAll.hidden = !active.length;
  count.textContent = active.length ? String(active.length) : "";
  count.hidden = !active.length;
  toggle.setAttribute("aria-label", active.length ? `Filters, ${active.length} active` : "Filters");
  toggle.classList.toggle("is-filtered", active.length > 0);
}

function syncControls() {
  for (const box of outletList.querySelectorAll("input[type=checkbox]")) {
    box.checked = chosen.outlets.has(box.value);
  }
  // Only when different: resetting would wipe a date the reader is half-way through typing.
  if (fromInput.value !== chosen.from) fromInput.value = chosen.from;
  if (toInput.value !== chosen.to) toInput.value = chosen.to;
  // A hint for the date pickers; the server still has the last word (422 when from > to).
  toInput.min = chosen.from;
  fromInput.max = chosen.to;
}

function outletChoice(outlet) {
  const item = el("li");
  const label = el("label", "filters__outlet");
  const box = el("input");
  box.type = "checkbox";
  box.value = outlet.name;
  box.checked = chosen.outlets.has(outlet.name);
  box.addEventListener("change", () => {
    if (box.checked) chosen.outlets.add(outlet.name);
    else chosen.outlets.delete(outlet.name);
    changed();
  });
  const articles = el("span", "filters__outlet-count", String(outlet.documents));
  articles.append(el("span", "visually-hidden",
    outlet.documents === 1 ? " article" : " articles"));
  label.append(box, el("span", "filters__outlet-name", outlet.name), articles);
  item.append(label);
  return item;
}

async function loadOutlets() {
  if (!outletList.childElementCount) {
    outletList.replaceChildren(el("li", "filters__note", "Loading the outlets…"));
  }
  try {
    const { outlets } = await listDocuments({ limit: 1 });
    const focused = document.activeElement;
    const keep = focused && outletList.contains(focused) ? focused.value : null;
    outletList.replaceChildren(...(outlets.length ? outlets.map(outletChoice)
      : [el("li", "filters__note", "No indexed article names its outlet.")]));
    if (keep !== null) {
      [...outletList.querySelectorAll("input")].find((box) => box.value === keep)?.focus();
    }
  } catch (error) {
    outletList.replaceChildren(el("li", "filters__note filters__note--error",
      error.message || "Couldn't load the outlets."));
  }
}

export const filtersOpen = () => !panel.hidden;

function openFilters() {
  panel.hidden = false;
  toggle.setAttribute("aria-expanded", "true");
  const first = outletList.querySelector("input") || fromInput;
  first.focus();
  loadOutlets().then(() => {
    // The list was a placeholder when the panel opened: move to the first outlet.
    if (!panel.hidden && document.activeElement === fromInput && !fromInput.value) {
      outletList.querySelector("input")?.focus();
    }
  });
}

/** Close the panel; with `refocus`, the focus goes back to the Filters button. */
export function closeFilters(refocus = true) {
  if (panel.hidden) return false;
  panel.hidden = true;
  toggle.setAttribute("aria-expanded", "false");
  if (refocus) toggle.focus();
  return true;
}

export function clearFilters() {
  chosen.outlets.clear();
  chosen.documents.clear();
  chosen.from = "";
  chosen.to = "";
  changed();
}

/** Answer only from this article ("Ask only this article" in the article view). */
export function restrictToDocument(documentId, title) {
  chosen.documents.clear();
  chosen.documents.set(documentId, title);
  changed();
}

toggle.addEventListener("click", () => (panel.hidden ? openFilters() : closeFilters()));
doneButton.addEventListener("click", () => closeFilters());
clearButton.addEventListener("click", () => {
  clearFilters();
  (outletList.querySelector("input") || fromInput).focus();
});
clearAll.addEventListener("click", () => {
  clearFilters();
  toggle.focus();
});
for (const [input, key] of [[fromInput, "from"], [toInput, "to"]]) {
  input.addEventListener("change", () => {
    chosen[key] = input.value;
    changed();
  });
}
// Enter in a date box would submit the question (the panel sits in the composer's form).
panel.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target instanceof HTMLInputElement) {
    event.preventDefault();
    if (event.target.type === "checkbox") event.target.click();
  }
});
// A click elsewhere on the page closes the panel, leaving the focus where the click put it.
document.addEventListener("pointerdown", (event) => {
  if (panel.hidden || panel.contains(event.target) || toggle.contains(event.target)) return;
  closeFilters(false);
});

renderChips();
loadOutlets();
