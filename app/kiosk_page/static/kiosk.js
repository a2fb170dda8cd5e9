// U-Roster station kiosk. Plain JavaScript, no build step.
// The key lives in localStorage; check-ins and check-outs made while the network is
// down wait in a queue (also in localStorage, so a reload keeps them) with the time
// they happened, and are sent in order when the server answers again.
"use strict";

const API = "/api/v1/kiosk";
const REFRESH_MS = 30000;
const STORE = { key: "uroster.kiosk.key", lang: "uroster.kiosk.lang", queue: "uroster.kiosk.queue", board: "uroster.kiosk.board" };

const TEXT = {
  en: {
    title: "Station kiosk", setupTitle: "Connect this device",
    setupHelp: "Enter the kiosk key that the district office gave for this station. It is asked only once.",
    keyLabel: "Kiosk key", connect: "Connect", badKey: "This key was not accepted. Check it and try again.",
    onDuty: "On duty now", next: "Next today", nobodyOnDuty: "Nobody is on duty right now.",
    nobodyNext: "No more shifts today.", checkIn: "Check in", checkOut: "Check out", done: "Done",
    opensAt: (t) => `Check-in from ${t}`, checkedInAt: (t) => `Checked in ${t}`,
    checkedOutAt: (a, b) => `${a} – ${b}, thank you!`, waiting: "Saved, waiting for the network",
    noShow: "Missed", forget: "Forget this device",
    forgetConfirm: "Remove the kiosk key from this device?",
    offline: (since, n) => `No network connection. Showing the list from ${since}. ` +
      `Check-ins and check-outs are saved on this device and sent when the network is back` +
      (n ? ` (${n} waiting).` : "."),
    updated: (t) => `Updated ${t}`, welcome: (n) => `Welcome, ${n}!`, bye: (n) => `Thank you, ${n}!`,
    sent: (n) => `${n} saved record(s) sent.`, other: "中文",
  },
  zh: {
    title: "站点签到机", setupTitle: "连接本设备",
    setupHelp: "请输入区团委（志愿者办公室）为本站点提供的签到机密钥，只需输入一次。",
    keyLabel: "签到机密钥", connect: "连接", badKey: "密钥无效，请核对后重试。",
    onDuty: "当前在岗", next: "今日稍后", nobodyOnDuty: "当前没有人在岗。",
    nobodyNext: "今天没有更多班次。", checkIn: "签到", checkOut: "签退", done: "已完成",
    opensAt: (t) => `${t} 起可签到`, checkedInAt: (t) => `${t} 已签到`,
    checkedOutAt: (a, b) => `${a} – ${b}，感谢您的服务！`, waiting: "已保存，等待网络恢复后上传",
    noShow: "缺勤", forget: "清除本设备密钥",
    forgetConfirm: "确定要从本设备删除签到机密钥吗？",
    offline: (since, n) => `网络已断开。当前显示 ${since} 的名单。签到和签退会保存在本设备上，网络恢复后自动上传` +
      (n ? `（${n} 条待上传）。` : "。"),
    updated: (t) => `更新于 ${t}`, welcome: (n) => `欢迎，${n}！`, bye: (n) => `感谢您的服务，${n}！`,
    sent: (n) => `已上传 ${n} 条离线记录。`, other: "English",
  },
};

const state = {
  key: localStorage.getItem(STORE.key),
  lang: localStorage.getItem(STORE.lang) || ((navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en"),
  queue: JSON.parse(localStorage.getItem(STORE.queue) || "[]"),
  board: JSON.parse(localStorage.getItem(STORE.board) || "null"),
  boardAt: null,
  offline: false,
  flushing: false,
};

const $ = (id) => document.getElementById(id);
const t = (name, ...args) => {
  const value = TEXT[state.lang][name];
  return typeof value === "function" ? value(...args) : value;
};

class NetworkError extends Error {}

function zone() {
  return (state.board && state.board.station.timezone) || undefined;
}

function hhmm(iso, withSeconds = false) {
  const options = { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone() };
  if (withSeconds) options.second = "2-digit";
  return new Intl.DateTimeFormat(state.lang === "zh" ? "zh-CN" : "en-GB", options).format(new Date(iso));
}

async function call(method, path, body) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10000);
  let response;
  try {
    response = await fetch(API + path, {
      method,
      headers: { "X-Kiosk-Key": state.key, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: controller.signal,
      cache: "no-store",
    });
  } catch (error) {
    throw new NetworkError(String(error));
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try { data = await response.json(); } catch (_) { /* an empty or non-JSON body */ }
  return { status: response.status, data };
}

// A server that is down or busy is like no network: keep the record and retry.
const transient = (status) => status === 429 || status >= 500;

function saveQueue() { localStorage.setItem(STORE.queue, JSON.stringify(state.queue)); }

function setOffline(offline) {
  state.offline = offline;
  renderOffline();
}

function showMessage(text, ok = false) {
  const box = $("message");
  box.textContent = text;
  box.classList.toggle("ok", ok);
  box.hidden = false;
  clearTimeout(showMessage.timer);
  showMessage.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

function applyResult(result) {
  if (!state.board) return;
  for (const list of [state.board.on_duty, state.board.next]) {
    const entry = list.find((e) => e.assignment_id === result.assignment_id);
    if (entry) Object.assign(entry, result);
  }
  localStorage.setItem(STORE.board, JSON.stringify(state.board));
}

async function act(kind, entry) {
  const record = { kind, assignment_id: entry.assignment_id, at: new Date().toISOString() };
  if (state.offline || state.queue.length) {
    // Keep the order: a check-out must not overtake its queued check-in.
    state.queue.push(record);
    saveQueue();
    render();
    flush();
    return;
  }
  try {
    const { status, data } = await call("POST", `/${kind}`, { assignment_id: entry.assignment_id });
    if (status === 200) {
      applyResult(data);
      showMessage(kind === "check-in" ? t("welcome", data.volunteer_name) : t("bye", data.volunteer_name), true);
    } else if (status === 401) {
      showSetup(t("badKey"));
      return;
    } else if (transient(status)) {
      state.queue.push(record);
      saveQueue();
    } else {
      showMessage((data && data.detail) || `HTTP ${status}`);
    }
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    state.queue.push(record);
    saveQueue();
    setOffline(true);
  }
  render();
}

async function flush() {
  if (state.flushing || !state.queue.length) return;
  state.flushing = true;
  let sent = 0;
  try {
    while (state.queue.length) {
      const record = state.queue[0];
      const { status, data } = await call("POST", `/${record.kind}`, { assignment_id: record.assignment_id, at: record.at });
      if (status === 401) { showSetup(t("badKey")); return; }
      if (transient(status)) return;
      state.queue.shift();
      saveQueue();
      if (status === 200) { applyResult(data); sent += 1; }
      else showMessage((data && data.detail) || `HTTP ${status}`);
    }
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    setOffline(true);
  } finally {
    state.flushing = false;
    if (sent) showMessage(t("sent", sent), true);
    render();
  }
}

async function refresh() {
  if (!state.key) return;
  await flush();
  try {
    const { status, data } = await call("GET", "/duty");
    if (status === 401) { showSetup(t("badKey")); return; }
    if (status !== 200) { if (transient(status)) setOffline(true); return; }
    state.board = data;
    state.boardAt = new Date().toISOString();
    localStorage.setItem(STORE.board, JSON.stringify(data));
    setOffline(false);
    if (state.queue.length) flush();
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    setOffline(true);
  }
  render();
}

function queuedKinds(assignmentId) {
  return new Set(state.queue.filter((r) => r.assignment_id === assignmentId).map((r) => r.kind));
}

function personItem(entry) {
  const queued = queuedKinds(entry.assignment_id);
  const checkedIn = entry.checked_in || queued.has("check-in");
  const checkedOut = entry.checked_out || queued.has("check-out");
  const now = Date.now();

  const li = document.createElement("li");
  li.className = "person";
  li.dataset.assignmentId = entry.assignment_id;

  const who = document.createElement("div");
  who.className = "who";
  const name = document.createElement("div");
  name.className = "name";
  name.textContent = entry.volunteer_name;
  const when = document.createElement("div");
  when.className = "when";
  when.textContent = `${hhmm(entry.starts_at)} – ${hhmm(entry.ends_at)}`;
  const stateLine = document.createElement("div");
  stateLine.className = "state";
  who.append(name, when, stateLine);

  const button = document.createElement("button");
  button.type = "button";
  button.className = "act";
  if (checkedOut) {
    button.textContent = t("done");
    button.disabled = true;
    stateLine.classList.add("done");
    stateLine.textContent = entry.checked_out
      ? t("checkedOutAt", hhmm(entry.check_in_at), hhmm(entry.check_out_at)) : t("waiting");
  } else if (checkedIn) {
    button.textContent = t("checkOut");
    button.classList.add("check-out");
    button.onclick = () => act("check-out", entry);
    stateLine.classList.add(entry.checked_in ? "in" : "queued");
    stateLine.textContent = entry.checked_in ? t("checkedInAt", hhmm(entry.check_in_at)) : t("waiting");
  } else {
    const open = now >= Date.parse(entry.check_in_opens_at) && now <= Date.parse(entry.ends_at);
    button.textContent = t("checkIn");
    button.classList.add("check-in");
    button.disabled = !open;
    button.onclick = () => act("check-in", entry);
    if (!open && now < Date.parse(entry.check_in_opens_at)) stateLine.textContent = t("opensAt", hhmm(entry.check_in_opens_at));
    if (entry.status === "no_show") stateLine.textContent = t("noShow");
  }
  if (queued.size) stateLine.classList.add("queued");
  li.append(who, button);
  return li;
}

function renderList(listId, countId, entries, emptyText) {
  const list = $(listId);
  list.replaceChildren(...entries.map(personItem));
  if (!entries.length) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = emptyText;
    list.append(li);
  }
  $(countId).textContent = String(entries.length);
}

function renderOffline() {
  const box = $("offline");
  box.hidden = !state.offline;
  if (state.offline) {
    const since = state.boardAt ? hhmm(state.boardAt) : "—";
    box.textContent = t("offline", since, state.queue.length);
  }
}

function renderTexts() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  for (const node of document.querySelectorAll("[data-i18n]")) {
    if (node.id === "station-name" && state.board) continue;
    node.textContent = t(node.dataset.i18n);
  }
  $("lang").textContent = t("other");
}

function render() {
  renderTexts();
  renderOffline();
  if (!state.key || !state.board) return;
  $("station-name").textContent = state.board.station.name;
  document.title = `${state.board.station.name} · U-Roster`;
  renderList("on-duty", "on-duty-count", state.board.on_duty, t("nobodyOnDuty"));
  renderList("next", "next-count", state.board.next, t("nobodyNext"));
  $("updated").textContent = state.boardAt ? t("updated", hhmm(state.boardAt)) : "";
}

function tick() {
  const now = new Date();
  $("clock-time").textContent = hhmm(now.toISOString(), true);
  $("clock-date").textContent = new Intl.DateTimeFormat(state.lang === "zh" ? "zh-CN" : "en-GB", {
    weekday: "long", year: "numeric", month: "long", day: "numeric", timeZone: zone(),
  }).format(now);
}

function showSetup(error) {
  state.key = null;
  localStorage.removeItem(STORE.key);
  $("board").hidden = true;
  $("forget").hidden = true;
  $("setup").hidden = false;
  $("key-error").hidden = !error;
  $("key-error").textContent = error || "";
  $("station-name").textContent = t("title");
  render();
}

function showBoard() {
  $("setup").hidden = true;
  $("board").hidden = false;
  $("forget").hidden = false;
}

async function connect(event) {
  event.preventDefault();
  const key = $("key-input").value.trim();
  if (!key) return;
  state.key = key;
  try {
    const { status, data } = await call("GET", "/duty");
    if (status !== 200) { showSetup(t("badKey")); return; }
    localStorage.setItem(STORE.key, key);
    $("key-input").value = "";
    state.board = data;
    state.boardAt = new Date().toISOString();
    localStorage.setItem(STORE.board, JSON.stringify(data));
    setOffline(false);
    showBoard();
    render();
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    state.key = null;
    setOffline(true);
  }
}

function forget() {
  if (!window.confirm(t("forgetConfirm"))) return;
  for (const name of Object.values(STORE)) if (name !== STORE.lang) localStorage.removeItem(name);
  state.queue = [];
  state.board = null;
  showSetup();
}

// A key from the console's QR code (/kiosk#key=...): kept on the device and taken out of
// the address bar, so that it stays out of the history and off the screen.
function keyFromLink() {
  const linked = new URLSearchParams(location.hash.slice(1)).get("key");
  if (!linked) return;
  history.replaceState(null, "", location.pathname + location.search);
  if (linked === state.key) return;
  state.key = linked;
  state.board = null;
  localStorage.setItem(STORE.key, linked);
  localStorage.removeItem(STORE.board);
}

function start() {
  keyFromLink();
  $("key-form").addEventListener("submit", connect);
  $("forget").addEventListener("click", forget);
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem(STORE.lang, state.lang);
    render();
    tick();
  });
  window.addEventListener("online", refresh);
  window.addEventListener("offline", () => setOffline(true));
  setInterval(tick, 1000);
  setInterval(refresh, REFRESH_MS);
  tick();
  if (state.key) {
    showBoard();
    render();
    refresh();
  } else {
    showSetup();
  }
}

document.addEventListener("DOMContentLoaded", start);
