/* Hotline and manual intake form: address search, a map pin, filing-condition notes and
   keyboard shortcuts. No inline code (CSP): the page names its URLs and labels in data-
   attributes of the form. */
(function () {
  "use strict";

  function ready(form) {
    const lon = form.querySelector("input[name=lon]");
    const lat = form.querySelector("input[name=lat]");
    const assetCode = form.querySelector("input[name=asset_code]");
    const address = document.getElementById("id_address");
    const search = document.getElementById("place-search");
    const results = document.getElementById("place-results");
    const status = document.getElementById("pin-status");
    const category = document.getElementById("id_category");
    const condition = document.getElementById("id_filing_condition");
    const note = document.getElementById("condition-note");
    const labels = form.dataset;
    let map = null;
    let marker = null;
    let hits = [];
    let active = -1;
    let timer = null;

    function setPin(lonValue, latValue, moveMap) {
      lon.value = Number(lonValue).toFixed(6);
      lat.value = Number(latValue).toFixed(6);
      status.textContent = labels.pinnedLabel + " " + lon.value + ", " + lat.value;
      if (!map) { return; }
      const point = [Number(latValue), Number(lonValue)];
      if (marker) { marker.setLatLng(point); } else {
        marker = L.marker(point, { draggable: true, keyboard: false }).addTo(map);
        marker.on("dragend", function () {
          const p = marker.getLatLng();
          setPin(p.lng, p.lat, false);
        });
      }
      if (moveMap) { map.setView(point, Math.max(map.getZoom(), 17)); }
    }

    if (typeof L !== "undefined" && window.cgMap) {
      map = cgMap.baseMap("hotline-map", { keyboard: true });
      map.setView([Number(labels.lat), Number(labels.lon)], 15);
      map.on("click", function (event) {
        assetCode.value = "";
        setPin(event.latlng.lng, event.latlng.lat, false);
      });
    }
    if (lon.value && lat.value) { setPin(lon.value, lat.value, true); }

    function pinAtCentre() {
      if (!map) { return; }
      const c = map.getCenter();
      assetCode.value = "";
      setPin(c.lng, c.lat, false);
    }
    document.getElementById("pin-centre").addEventListener("click", pinAtCentre);
    document.getElementById("hotline-map").addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); pinAtCentre(); }
    });

    /* Address search: a combobox over places and assets. */
    function show(list) {
      hits = list;
      active = list.length ? 0 : -1;
      results.replaceChildren();
      if (!list.length) {
        const li = document.createElement("li");
        li.className = "none";
        li.textContent = labels.noneLabel;
        results.appendChild(li);
      }
      list.forEach(function (hit, index) {
        const li = document.createElement("li");
        li.id = "place-hit-" + index;
        li.setAttribute("role", "option");
        li.textContent = hit.label;
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(index); });
        results.appendChild(li);
      });
      results.hidden = false;
      search.setAttribute("aria-expanded", "true");
      highlight();
    }

    function highlight() {
      results.querySelectorAll("[role=option]").forEach(function (li, index) {
        li.setAttribute("aria-selected", index === active ? "true" : "false");
      });
      if (active >= 0) { search.setAttribute("aria-activedescendant", "place-hit-" + active); }
      else { search.removeAttribute("aria-activedescendant"); }
    }

    function close() {
      results.hidden = true;
      results.replaceChildren();
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      hits = [];
      active = -1;
    }

    function choose(index) {
      const hit = hits[index];
      if (!hit) { return; }
      assetCode.value = hit.asset_code || "";
      if (!address.value) { address.value = hit.label; }
      search.value = hit.label;
      setPin(hit.lon, hit.lat, true);
      close();
      /* The cursor at the end: the operator adds what the caller says (门牌号, 对面…). */
      address.focus();
      address.setSelectionRange(address.value.length, address.value.length);
    }

    function lookUp() {
      const query = search.value.trim();
      if (query.length < 2) { close(); return Promise.resolve(); }
      return fetch(labels.searchUrl + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (search.value.trim() === query) { show(data.results); } });
    }

    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookUp, 200);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && hits.length) {
        event.preventDefault(); active = (active + 1) % hits.length; highlight();
      } else if (event.key === "ArrowUp" && hits.length) {
        event.preventDefault(); active = (active - 1 + hits.length) % hits.length; highlight();
      } else if (event.key === "Enter") {
        /* Enter takes a result here; it never submits half a report. */
        event.preventDefault();
        clearTimeout(timer);
        if (hits.length) { choose(Math.max(active, 0)); }
        else { lookUp().then(function () { if (hits.length) { choose(0); } }); }
      } else if (event.key === "Escape") {
        event.preventDefault(); search.value = ""; close();
      }
    });
    search.addEventListener("blur", function () { setTimeout(close, 150); });

    /* Esc in a text field clears it (the search handles its own). */
    form.addEventListener("keydown", function (event) {
      const field = event.target;
      if (event.key === "Escape" && field !== search && field.matches("input[type=text], input[type=tel], textarea")) {
        field.value = "";
      }
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && field.matches("textarea")) {
        event.preventDefault();
        form.requestSubmit(form.querySelector("button[name=save]"));
      }
    });

    /* The chosen filing condition's time limit and closing condition, read out. */
    function describe() {
      const option = condition.options[condition.selectedIndex];
      note.textContent = option && option.dataset.limit
        ? labels.limitLabel + " " + option.dataset.limit + " · " + labels.closingLabel + " " + option.dataset.closing
        : "";
    }
    condition.addEventListener("change", describe);
    new MutationObserver(function () {
      const wanted = condition.dataset.selected;
      if (wanted) {
        condition.value = wanted;
        delete condition.dataset.selected;
      }
      describe();
    }).observe(condition, { childList: true });
    if (category.value) { category.dispatchEvent(new Event("change", { bubbles: true })); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.getElementById("hotline-form");
    if (form) { ready(form); }
  });
})();
