// The 15-minute service circle: a circle around each station and, as squares, how many
// volunteers live in each cell of the district (cells with few are left out server-side).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const element = document.getElementById("circle-map");
  if (!element) return;
  const data = JSON.parse(element.dataset.map);
  const map = L.map(element, { attributionControl: Boolean(element.dataset.tiles) });
  if (element.dataset.tiles) L.tileLayer(element.dataset.tiles, { maxZoom: 19 }).addTo(map);
  else element.classList.add("plain");
  // A view first: a circle measured in metres needs the map's projection to be drawn.
  const first = data.stations[0] || data.cells[0] && { lat: data.cells[0].south, lon: data.cells[0].west };
  map.setView(first ? [first.lat, first.lon] : [22.54, 114.06], 12);
  const most = Math.max(1, ...data.cells.map((cell) => cell.count));
  const layers = [];
  for (const cell of data.cells) {
    const square = L.rectangle(
      [[cell.south, cell.west], [cell.south + cell.size, cell.west + cell.size]],
      { weight: 0, fillColor: "#8a5a00", fillOpacity: 0.15 + 0.5 * (cell.count / most) },
    ).addTo(map);
    square.bindTooltip(String(cell.count));
    layers.push(square);
  }
  for (const station of data.stations) {
    layers.push(L.circle([station.lat, station.lon], {
      radius: data.radius_m, weight: 1, color: "#0b5fb3", fillOpacity: 0.08,
    }).addTo(map));
    L.circleMarker([station.lat, station.lon], {
      radius: 6, weight: 2, color: "#0b5fb3", fillColor: "#0b5fb3", fillOpacity: 0.9,
    }).addTo(map).bindTooltip(`${station.code} · ${station.name}`);
  }
  // Where to recruit (a roster's recruitment advice): a larger orange marker per station,
  // labelled with how many volunteers to find near it.
  for (const mark of data.recruit || []) {
    L.circleMarker([mark.lat, mark.lon], {
      radius: 11, weight: 3, color: "#b34700", fillColor: "#ff8c1a", fillOpacity: 0.85,
    }).addTo(map).bindTooltip(mark.label, { permanent: true, direction: "right" });
  }
  if (layers.length) map.fitBounds(L.featureGroup(layers).getBounds(), { padding: [16, 16] });
});
