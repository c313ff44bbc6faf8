/* The intake and dispatch desks: the queue map, the chosen row, and the filing form's details.
   The pages work without this script (rows are links and forms post normally); it only
   saves reloads: the panel is fetched with HTMX and the map opens the same panel. */
(function () {
  "use strict";

  function markSelected(caseId) {
    document.querySelectorAll(".desk-row").forEach(function (row) {
      row.classList.toggle("selected", row.dataset.case === String(caseId));
    });
  }

  function openPanel(point) {
    if (window.htmx) {
      htmx.ajax("GET", point.panel, { target: "#desk-panel", swap: "innerHTML" });
      history.pushState({}, "", point.open);
    } else {
      window.location.href = point.open;
    }
  }

  function queueMap() {
    const element = document.getElementById("desk-map");
    const data = document.getElementById("desk-points");
    if (!element || !data || typeof L === "undefined" || !window.cgMap) { return; }
    const points = JSON.parse(data.textContent);
    const map = cgMap.baseMap("desk-map", { zoomSnap: 0.25 });
    const layer = L.featureGroup().addTo(map);
    points.forEach(function (p) {
      const feature = { properties: { level: p.level } };
      const marker = cgMap.caseMarker(feature, [p.lat, p.lon]);
      marker.bindTooltip(cgMap.escapeHtml(p.code) + " · " + cgMap.escapeHtml(p.state));
      marker.on("click", function () { openPanel(p); markSelected(p.id); });
      marker.addTo(layer);
    });
    if (!points.length) {
      element.hidden = true;
      return;
    }
    const bounds = layer.getBounds().pad(0.03);
    map.fitBounds(bounds, { maxZoom: 16 });
    /* The unit grid around the queue, so the markers have a context without tiles. */
    if (element.dataset.gridUrl) {
      const box = bounds.pad(0.1);
      const bbox = [box.getWest(), box.getSouth(), box.getEast(), box.getNorth()].join(",");
      fetch(element.dataset.gridUrl + "?bbox=" + bbox, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          cgMap.gridLayer(data).setStyle({ color: "#7a8896", weight: 0.6, fillOpacity: 0 }).addTo(map).bringToBack();
        });
    }
  }

  /* Show the chosen filing condition's time limit and closing condition under its select. */
  function describeCondition(select) {
    let note = select.parentNode.querySelector(".desk-condition");
    const option = select.options[select.selectedIndex];
    if (!option || !option.dataset.limit) {
      if (note) { note.remove(); }
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.className = "desk-condition";
      note.setAttribute("aria-live", "polite");
      select.parentNode.appendChild(note);
    }
    const labels = document.getElementById("desk-panel").dataset;
    note.textContent = labels.limitLabel + " " + option.dataset.limit + " · " +
      labels.closingLabel + " " + option.dataset.closing;
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[name=filing_condition]")) {
      describeCondition(event.target);
    }
  });

  /* A panel swapped in by HTMX: load the conditions of the suggested category, mark the row. */
  function panelReady(root) {
    root.querySelectorAll("select[data-conditions-url]").forEach(function (select) {
      if (select.value) { select.dispatchEvent(new Event("change", { bubbles: true })); }
    });
    const article = root.querySelector(".case-panel");
    if (article) { markSelected(article.id.replace("case-", "")); }
  }

  /* After the conditions arrive (map.js fills the select), describe the first choice. */
  const observer = new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      if (change.target.matches && change.target.matches("select[name=filing_condition]")) {
        describeCondition(change.target);
      }
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    queueMap();
    const panel = document.getElementById("desk-panel");
    if (!panel) { return; }
    observer.observe(panel, { childList: true, subtree: true });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target === panel) {
        panel.classList.remove("loading");
        panelReady(panel);
        panel.scrollTop = 0;
        /* One column (phones): the panel sits under the lists, so bring it into view. */
        if (window.matchMedia("(max-width: 900px)").matches) { panel.scrollIntoView({ block: "start" }); }
      }
    });
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.target === panel) { panel.classList.add("loading"); }
      const link = event.detail.elt;
      if (link && link.closest && link.closest(".desk-row")) { markSelected(link.closest(".desk-row").dataset.case); }
    });
  });
})();
