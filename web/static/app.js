// Progressive touches only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Confirm destructive actions marked with data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (ev) => {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  });
});

// --- Creator tools: copy a link (web/creator) ---
// Buttons with data-copy="<input id>" are hidden in the page and shown here,
// where the clipboard can be reached; without it the input stays selectable.
document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard) return;
  document.querySelectorAll("button[data-copy]").forEach((btn) => {
    const input = document.getElementById(btn.dataset.copy);
    if (!input) return;
    btn.hidden = false;
    const label = btn.textContent;
    btn.addEventListener("click", () => {
      input.select();
      navigator.clipboard.writeText(input.value).then(() => {
        btn.textContent = btn.dataset.copied || label;
        setTimeout(() => { btn.textContent = label; }, 2000);
      }).catch(() => {});
    });
  });
});

// Search on phones: the colour pickers and the facets (<details class="search-filters" open>)
// fold behind their summary on a narrow screen, so the first results show without
// scrolling past them — unless the search uses one of their filters or one has an error.
// Without this script they stay open.
(() => {
  const narrow = window.matchMedia("(max-width: 720px)").matches;
  const boxes = document.querySelectorAll("details.search-filters[open]");
  if (!narrow || boxes.length === 0) return;
  const p = new URLSearchParams(window.location.search);
  const set = (k) => p.getAll(k).some((v) => v.trim() !== "");
  const pickerUsed =
    ["colors", "not"].some(set) ||
    p.getAll("pick_w").some((w) => Number(w) > 0) ||
    p.get("match") === "all" ||
    !["", "12", null].includes(p.get("tol")) ||
    !["", "relevance", null].includes(p.get("sort"));
  const facetUsed = ["family", "category", "price_min", "price_max"].some(set);
  boxes.forEach((box) => {
    const used = box.closest(".facets") ? facetUsed : pickerUsed;
    if (!used && !box.querySelector(".field-error")) box.removeAttribute("open");
  });
})();

// Live photo status on the merchant's product page: while a photo is waiting or
// processing, ask GET …/photos.json every 2 s (for at most 2 minutes) and put each
// thumbnail, or the reason it failed, in place of its placeholder. Without this
// script the page has a Refresh link (and refreshes itself).
(() => {
  const list = document.querySelector("ol.photo-list[data-photos-url]");
  if (!list) return;
  const busy = (status) => status === "pending" || status === "processing";
  const pending = () => [...list.querySelectorAll("[data-photo-status]")].some((b) => busy(b.dataset.photoStatus));
  if (!pending()) return;
  const started = Date.now();
  const show = (photo) => {
    const item = list.querySelector(`li[data-photo-id="${photo.id}"]`);
    if (!item) return;
    const badge = item.querySelector("[data-photo-status]");
    if (!badge || badge.dataset.photoStatus === photo.status) return;
    badge.dataset.photoStatus = photo.status;
    badge.className = `badge ${photo.status}`;
    badge.textContent = photo.status_text;
    const placeholder = item.querySelector(".photo-placeholder");
    if (photo.status === "ready" && photo.thumb && placeholder) {
      const img = document.createElement("img");
      img.src = photo.thumb;
      if (photo.srcset) { img.srcset = photo.srcset; img.sizes = "120px"; }
      img.alt = item.dataset.photoAlt || "";
      placeholder.replaceWith(img);
    } else if (photo.status === "failed") {
      if (placeholder) placeholder.classList.add("failed");
      const reason = document.createElement("p");
      reason.className = "field-error";
      reason.textContent = photo.error || photo.status_text;
      badge.parentElement.appendChild(reason);
    }
  };
  const poll = async () => {
    try {
      const res = await fetch(list.dataset.photosUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (res.ok) (await res.json()).forEach(show);
    } catch (_) { /* offline for a moment: try again */ }
    if (pending() && Date.now() - started < 120000) setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
})();
