/* CivicGrid map helpers: Leaflet with the configured tiles, unit grid and case layers.
   Coordinates arrive already in the tiles' system (see web/maps.py). Maps still show the
   grid, cases and places when no tile server answers: tiles are only a backdrop. */
(function () {
  "use strict";

  function tileConfig() {
    const node = document.getElementById("tile-config");
    return node ? JSON.parse(node.textContent) : null;
  }

  function baseMap(elementId, options) {
    const map = L.map(elementId, Object.assign({ zoomControl: true, preferCanvas: true }, options || {}));
    const tiles = tileConfig();
    if (tiles && tiles.url) {
      const layer = L.tileLayer(tiles.url, {
        attribution: tiles.attribution || "",
        subdomains: tiles.subdomains || "abc",
        maxZoom: 19,
      });
      layer.on("tileerror", function () { map.getContainer().classList.add("no-tiles"); });
      layer.addTo(map);
    }
    /* Marked once the map has a view and its controls are drawn, so tests (and axe) can wait for it. */
    map.whenReady(function () { map.getContainer().dataset.mapReady = "1"; });
    return map;
  }

  /* Leaflet puts tooltip and popup strings into the page as HTML; names come from imports
     and reports, so every text goes through this first. */
  const HTML_ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  function escapeHtml(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) { return HTML_ESCAPES[c]; });
  }

  const LEVEL_COLOURS = { green: "#1a7f37", yellow: "#b58100", red: "#c62828", none: "#4a5560" };

  function caseMarker(feature, latlng) {
    const level = (feature.properties && feature.properties.level) || "none";
    return L.circleMarker(latlng, {
      radius: 7, weight: 2, color: "#fff", fillColor: LEVEL_COLOURS[level] || LEVEL_COLOURS.none, fillOpacity: 0.95,
    });
  }

  function gridLayer(data) {
    return L.geoJSON(data, {
      style: { color: "#c2185b", weight: 1, fillOpacity: 0.03 },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(escapeHtml(feature.properties.code) + " " + escapeHtml(feature.properties.name), { sticky: true });
      },
    });
  }

  window.cgMap = { baseMap: baseMap, caseMarker: caseMarker, gridLayer: gridLayer, escapeHtml: escapeHtml, LEVEL_COLOURS: LEVEL_COLOURS };

  window.cgCaseMap = function (elementId, featureId) {
    const element = document.getElementById(elementId);
    if (!element || typeof L === "undefined") { return; }
    const map = baseMap(elementId);
    const cell = JSON.parse(document.getElementById(featureId).textContent);
    const point = [parseFloat(element.dataset.lat), parseFloat(element.dataset.lon)];
    map.setView(point, 17);  // the canvas renderer needs a view before layers are added
    const outline = gridLayer(cell).addTo(map);
    L.circleMarker(point, { radius: 8, color: "#0b3d6b", fillColor: "#0b5cad", fillOpacity: 0.9 }).addTo(map);
    map.fitBounds(outline.getBounds().pad(1.5));
  };

  /* The filing-condition list follows the chosen category. */
  document.addEventListener("change", function (event) {
    const select = event.target;
    if (!select.matches || !select.matches("select[data-conditions-url]")) { return; }
    const target = document.getElementById(select.dataset.target);
    if (!target || !select.value || target.dataset.loadedFor === select.value) { return; }
    const wanted = select.value;
    target.dataset.loadedFor = wanted;
    const url = select.dataset.conditionsUrl.replace("/0/", "/" + encodeURIComponent(wanted) + "/");
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); })
      .then(function (html) {
        // A later choice wins: drop answers for a category no longer chosen.
        if (select.value === wanted) { target.innerHTML = html; }
      });
  });
  document.addEventListener("DOMContentLoaded", function () {
    // Case pages name their map and cell data in attributes (no inline scripts: CSP).
    document.querySelectorAll("[data-case-map]").forEach(function (element) {
      window.cgCaseMap(element.id, element.dataset.caseMap);
    });
    document.querySelectorAll("select[data-conditions-url]").forEach(function (select) {
      if (select.value) { select.dispatchEvent(new Event("change", { bubbles: true })); }
    });
  });
})();
