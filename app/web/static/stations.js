// Station maps of the console: the stations as markers, tiles from the office's tile
// server when one is configured (data-tiles), otherwise a plain background. A map with
// data-pick="<lat input id> <lon input id>" places the station where it is clicked and
// follows what is typed into those fields.
"use strict";

function stationMap(element) {
  const stations = JSON.parse(element.dataset.stations || "[]");
  const map = L.map(element, { attributionControl: Boolean(element.dataset.tiles) });
  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { maxZoom: 19 }).addTo(map);
  } else {
    element.classList.add("plain");
  }
  const markers = stations.map((station) => {
    const marker = L.circleMarker([station.lat, station.lon], {
      radius: 8, weight: 2, color: "#0b5fb3", fillColor: station.active ? "#0b5fb3" : "#9aa3b2",
      fillOpacity: 0.8,
    }).addTo(map);
    const link = document.createElement("a");
    link.href = station.url;
    link.textContent = `${station.code} · ${station.name}`;
    marker.bindPopup(link);
    marker.bindTooltip(station.code);
    return marker;
  });
  if (markers.length > 1) {
    map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [32, 32], maxZoom: 15 });
  } else if (markers.length === 1) {
    map.setView(markers[0].getLatLng(), 14);
  } else {
    map.setView([22.54, 114.06], 11);
  }
  if (element.dataset.pick) pickOn(map, element.dataset.pick.split(" "), markers.length === 1 && stations[0]);
}

function pickOn(map, [latId, lonId], current) {
  const lat = document.getElementById(latId);
  const lon = document.getElementById(lonId);
  let chosen = null;
  const show = (latlng) => {
    if (chosen) chosen.setLatLng(latlng);
    else chosen = L.marker(latlng, { keyboard: false, title: latlng.toString() }).addTo(map);
  };
  map.on("click", (event) => {
    const latlng = event.latlng.wrap();
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
    show(latlng);
  });
  const typed = () => {
    const value = [parseFloat(lat.value), parseFloat(lon.value)];
    if (value.every(Number.isFinite) && Math.abs(value[0]) <= 90 && Math.abs(value[1]) <= 180) {
      show(value);
      map.panTo(value);
    }
  };
  lat.addEventListener("change", typed);
  lon.addEventListener("change", typed);
  if (!current && lat.value && lon.value) typed();
}

document.addEventListener("DOMContentLoaded", () => {
  if (typeof L === "undefined") return;
  for (const element of document.querySelectorAll(".station-map")) stationMap(element);
});
