/* The portal chat widget: one <script> tag embeds it on any page of the provincial portal.
 *
 *   <script src="https://tro-ly.example.gov.vn/static/widget.js" defer
 *           data-hotline="1900 1234" data-title="Trợ lý thủ tục hành chính"></script>
 *
 * data- options: data-api (the gateway's base URL; default: where this script came from),
 * data-hotline, data-title, data-subtitle, data-open ("true" opens the panel on load),
 * data-portal-label (label of links to the national/provincial portal).
 *
 * It talks only to the chat gateway: POST /api/chat/sessions, the WebSocket /api/chat/ws,
 * and the HTTP fallback (POST/GET /api/chat/sessions/{id}/messages?after=ID) when the socket
 * is down. The session lives in localStorage, so a reload or a network drop loses nothing:
 * the missed messages are fetched with ?after=<last id seen>.
 * Text from the server is never parsed as HTML (text nodes and <a> elements only).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__tthcWidget) return;
  window.__tthcWidget = true;

  var ds = script.dataset;
  var base = (ds.api || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var HOTLINE = ds.hotline || "";
  var TITLE = ds.title || "Trợ lý thủ tục hành chính";
  var SUBTITLE = ds.subtitle || "Trung tâm Phục vụ hành chính công";
  var PORTAL_LABEL = ds.portalLabel || "Xem chi tiết trên Cổng DVC";
  var STORE = "tthc.widget.session";
  var MAX_CHARS = 1000;
  var REPLY_WAIT_MS = 25000;
  var POLL_MS = 3000;
  var HEARTBEAT_MS = 20000;
  var URL_RE = /https?:\/\/[^\s<>"'`]+/gi;
  var SPEAKERS = { user: "Bạn", bot: "Trợ lý ảo", agent: "Nhân viên", system: "Thông báo" };
  var EVENTS = {
    handoff_waiting: "Đang chờ nhân viên", agent_joined: "Nhân viên đang hỗ trợ bạn",
    agent_left: "Trợ lý ảo đang hỗ trợ bạn", closed: "Trợ lý ảo đang hỗ trợ bạn",
  };

  var session = null; // {session_id, token}
  var lastId = null; // the newest server message id seen (the ?after= cursor)
  var seen = {};
  var socket = null;
  var socketUp = false;
  var retryDelay = 1000;
  var retryTimer = null;
  var pollTimer = null;
  var waitTimer = null;
  var started = false;
  var ended = false;
  var turnStart = null; // the first answer of the current turn, where reading starts
  var turnOpen = false; // answers to the last question are still coming

  // ---- DOM helpers ----

  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "cls") node.className = v;
      else if (k === "on") Object.keys(v).forEach(function (e) { node.addEventListener(e, v[e]); });
      else node.setAttribute(k, v === true ? "" : v);
    });
    (kids || []).forEach(function (c) {
      if (c !== null && c !== undefined && c !== false) {
        node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
      }
    });
    return node;
  }

  // Icons drawn inline (Material icons' paths, Apache-2.0): emoji fonts are missing on many PCs.
  var THUMB = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 " +
    "7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";
  var BUBBLE = "M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2z";

  function icon(path, flip) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "18");
    svg.setAttribute("height", "18");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var p = document.createElementNS(ns, "path");
    p.setAttribute("d", path);
    p.setAttribute("fill", "currentColor");
    if (flip) p.setAttribute("transform", "rotate(180 12 12)");
    svg.appendChild(p);
    return svg;
  }

  function hidden(label) {
    return el("span", { cls: "tthcw-vh", text: label });
  }

  // ---- the panel ----

  var css = el("link", { rel: "stylesheet", href: base + "/static/widget.css" });
  document.head.appendChild(css);

  var launcher = el("button", {
    type: "button", cls: "tthcw-launcher", "aria-expanded": "false", "aria-controls": "tthcw-panel",
  }, [icon(BUBBLE), "Hỏi trợ lý ảo"]);
  var statusLine = el("p", { cls: "tthcw-status", role: "status", text: "Sẵn sàng hỗ trợ" });
  var humanBtn = el("button", { type: "button", cls: "tthcw-action", text: "Gặp nhân viên" });
  var endBtn = el("button", { type: "button", cls: "tthcw-action", text: "Kết thúc" });
  var closeBtn = el("button", {
    type: "button", cls: "tthcw-close", "aria-label": "Thu nhỏ cửa sổ trò chuyện", title: "Thu nhỏ",
  }, [el("span", { "aria-hidden": "true", text: "✕" })]);
  var log = el("div", {
    cls: "tthcw-log", role: "log", "aria-live": "polite", "aria-label": "Cuộc trò chuyện", tabindex: "0",
  });
  var typing = el("div", { cls: "tthcw-typing", hidden: true }, [
    el("span", { cls: "tthcw-dot" }), el("span", { cls: "tthcw-dot" }), el("span", { cls: "tthcw-dot" }),
    hidden("Trợ lý đang trả lời…"),
  ]);
  var input = el("textarea", {
    id: "tthcw-input", rows: "1", maxlength: String(MAX_CHARS), enterkeyhint: "send",
    placeholder: "Nhập câu hỏi của bạn…",
  });
  var sendBtn = el("button", { type: "submit", cls: "tthcw-send", "aria-label": "Gửi", title: "Gửi" }, [
    el("span", { "aria-hidden": "true", text: "➤" }),
  ]);
  var form = el("form", { cls: "tthcw-composer", autocomplete: "off" }, [
    el("label", { for: "tthcw-input", cls: "tthcw-vh", text: "Câu hỏi của bạn" }), input, sendBtn,
  ]);
  var panel = el("section", {
    id: "tthcw-panel", cls: "tthcw-panel", "aria-labelledby": "tthcw-title", hidden: true,
  }, [
    el("header", { cls: "tthcw-head" }, [
      el("div", { cls: "tthcw-brand" }, [
        el("h2", { id: "tthcw-title", text: TITLE }),
        el("p", { cls: "tthcw-sub", text: SUBTITLE }),
        statusLine,
      ]),
      closeBtn,
    ]),
    el("div", { cls: "tthcw-actions" }, [humanBtn, endBtn, HOTLINE ? el("a", {
      cls: "tthcw-action tthcw-call", href: "tel:" + HOTLINE.replace(/[^0-9+]/g, ""),
      "aria-label": "Gọi tổng đài " + HOTLINE,
    }, ["☎ " + HOTLINE]) : null]),
    log,
    typing,
    form,
  ]);
  var root = el("div", { cls: "tthcw", lang: "vi" }, [panel, launcher]);
  document.body.appendChild(root);

  function setStatus(text, bad) {
    statusLine.textContent = text;
    statusLine.classList.toggle("tthcw-bad", !!bad);
  }

  function open(focus) {
    panel.hidden = false;
    root.classList.add("tthcw-open");
    launcher.setAttribute("aria-expanded", "true");
    if (!started) start();
    if (focus !== false) input.focus();
  }

  function close() {
    panel.hidden = true;
    root.classList.remove("tthcw-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { panel.hidden ? open() : close(); });
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });

  // ---- rendering messages ----

  function trimUrl(url) {
    var m = url.match(/[.,;:!?)\]}»”]+$/);
    return m ? [url.slice(0, -m[0].length), m[0]] : [url, ""];
  }

  function linkLabel(url) {
    var host = "";
    try { host = new URL(url).hostname; } catch (e) { host = url; }
    return /(^|\.)dichvucong\.|\.gov\.vn$/.test(host) ? PORTAL_LABEL : "Mở liên kết (" + host + ")";
  }

  /** Text with http(s) URLs shown as labelled links ("Xem chi tiết trên Cổng DVC"). */
  function richText(text) {
    var frag = document.createDocumentFragment();
    var last = 0;
    var m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(text)) !== null) {
      var parts = trimUrl(m[0]);
      if (m.index > last) frag.appendChild(document.createTextNode(text.slice(last, m.index)));
      frag.appendChild(el("a", {
        href: parts[0], target: "_blank", rel: "noopener noreferrer", title: parts[0], text: linkLabel(parts[0]),
      }));
      if (parts[1]) frag.appendChild(document.createTextNode(parts[1]));
      last = m.index + m[0].length;
    }
    if (last < text.length) frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  function add(node) {
    log.appendChild(node);
    return node;
  }

  /** Scroll so the first answer of this turn starts at the top: long answers read from their start. */
  function reveal() {
    var target = turnStart || log.lastElementChild;
    if (!target) return;
    var top = target.offsetTop - log.offsetTop - 8;
    log.scrollTop = Math.min(top, log.scrollHeight);
  }

  function bubble(role, text, id) {
    var node = el("div", { cls: "tthcw-msg tthcw-" + role, "data-id": id || null }, [
      hidden(SPEAKERS[role] + ": "),
    ]);
    if (role === "agent") node.appendChild(el("span", { cls: "tthcw-who", "aria-hidden": "true", text: "Nhân viên" }));
    var body = el("div", { cls: "tthcw-text" });
    body.appendChild(richText(String(text || "")));
    node.appendChild(body);
    return add(node);
  }

  function quickReplies(buttons, disabled) {
    var group = el("div", { cls: "tthcw-replies", role: "group", "aria-label": "Lựa chọn nhanh" });
    buttons.forEach(function (b) {
      var title = String(b.title || "").trim();
      if (!title) return;
      var payload = typeof b.payload === "string" && b.payload ? b.payload : title;
      var btn = el("button", { type: "button", cls: "tthcw-reply", text: title, disabled: !!disabled });
      btn.addEventListener("click", function () {
        Array.prototype.forEach.call(group.querySelectorAll("button"), function (o) { o.disabled = true; });
        btn.classList.add("tthcw-chosen");
        send(payload, title);
        input.focus();
      });
      group.appendChild(btn);
    });
    if (group.childNodes.length) add(group);
  }

  function rateButtons(node, id) {
    var bar = el("div", { cls: "tthcw-rate", role: "group", "aria-label": "Đánh giá câu trả lời" });
    var up = el("button", { type: "button", "aria-pressed": "false", "aria-label": "Câu trả lời hữu ích", title: "Hữu ích" }, [icon(THUMB)]);
    var down = el("button", { type: "button", "aria-pressed": "false", "aria-label": "Câu trả lời chưa hữu ích", title: "Chưa hữu ích" }, [icon(THUMB, true)]);
    function choose(value) {
      up.setAttribute("aria-pressed", String(value === "up"));
      down.setAttribute("aria-pressed", String(value === "down"));
      var old = bar.querySelector("form");
      if (old) bar.removeChild(old);
      feedback({ message_id: id, value: value }).then(function () {
        if (value === "up") setStatus("Cảm ơn bạn đã đánh giá.");
      });
      if (value === "down") bar.appendChild(reasonForm(id));
    }
    up.addEventListener("click", function () { choose("up"); });
    down.addEventListener("click", function () { choose("down"); });
    bar.appendChild(up);
    bar.appendChild(down);
    node.appendChild(bar);
  }

  function reasonForm(id) {
    var fieldId = "tthcw-reason-" + id;
    var box = el("input", { id: fieldId, type: "text", maxlength: "300", placeholder: "Ví dụ: thông tin chưa đúng" });
    var f = el("form", { cls: "tthcw-reason" }, [
      el("label", { for: fieldId, text: "Lý do (không bắt buộc)" }), box,
      el("button", { type: "submit", text: "Gửi lý do" }),
    ]);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var reason = box.value.trim();
      var done = function () { f.replaceWith(el("p", { cls: "tthcw-thanks", text: "Cảm ơn góp ý của bạn." })); };
      if (!reason) return done();
      feedback({ message_id: id, value: "down", reason: reason }).then(done);
    });
    setTimeout(function () { box.focus(); }, 0);
    return f;
  }

  function sameText(a, b) {
    return String(a || "").trim() === String(b || "").trim();
  }

  /** Show one message from the server, once (the socket and the fallback may both bring it). */
  function render(msg, fromHistory) {
    if (!msg || typeof msg !== "object") return;
    var id = msg.id !== undefined && msg.id !== null ? String(msg.id) : null;
    if (id && seen[id]) return;
    if (id) {
      seen[id] = true;
      if (lastId === null || Number(id) > Number(lastId) || isNaN(Number(id))) lastId = id;
      save();
    }
    var role = SPEAKERS[msg.role] ? msg.role : "system";
    if (role === "user") {
      // Our own message coming back: give the bubble we already drew its id instead of a copy.
      var mine = log.querySelectorAll(".tthcw-user:not([data-id])");
      for (var i = 0; i < mine.length; i++) {
        if (sameText(mine[i].getAttribute("data-sent"), msg.text)) {
          mine[i].setAttribute("data-id", id);
          return;
        }
      }
      bubble("user", msg.text, id);
      return;
    }
    var hasText = typeof msg.text === "string" && msg.text.trim();
    var node = hasText ? bubble(role, msg.text, id) : null;
    // Answers to a question are read from the first one; a message nobody waited for, from itself.
    if (node && !fromHistory && (!turnOpen || !turnStart)) {
      turnStart = node;
      setTimeout(function () { turnOpen = false; }, 3000);
    }
    if (node && role === "bot" && id) rateButtons(node, msg.id);
    if (Array.isArray(msg.buttons) && msg.buttons.length) quickReplies(msg.buttons, fromHistory && !isLast(msg));
    // The form belongs to the newest message only: an old one from the history stays text.
    if (msg.callback_form && (!fromHistory || isLast(msg))) callbackForm();
    var who = EVENTS[msg.event] || (role === "agent" ? EVENTS.agent_joined : null);
    if (who) setStatus(who);
    if (!fromHistory) {
      stopWaiting();
      reveal();
    }
  }

  var historyTail = null;
  function isLast(msg) { return historyTail === msg; }

  // ---- the callback form (outside office hours, or when no agent is present) ----

  function callbackForm() {
    var n = log.querySelectorAll(".tthcw-callback").length;
    var ids = ["name", "phone", "question"].map(function (k) { return "tthcw-cb-" + k + "-" + n; });
    var err = el("p", { cls: "tthcw-error", role: "alert", hidden: true });
    var f = el("form", { cls: "tthcw-callback", "aria-label": "Đề nghị gọi lại" }, [
      el("p", { cls: "tthcw-form-title", text: "Để lại thông tin, cán bộ sẽ gọi lại cho bạn trong giờ làm việc." }),
      el("label", { for: ids[0], text: "Họ và tên" }),
      el("input", { id: ids[0], name: "name", required: true, maxlength: "100", autocomplete: "name" }),
      el("label", { for: ids[1], text: "Số điện thoại" }),
      el("input", { id: ids[1], name: "phone", type: "tel", required: true, maxlength: "15", autocomplete: "tel", inputmode: "tel" }),
      el("label", { for: ids[2], text: "Câu hỏi" }),
      el("textarea", { id: ids[2], name: "question", required: true, maxlength: "1000", rows: "3" }),
      err,
      el("button", { type: "submit", cls: "tthcw-primary", text: "Gửi đề nghị gọi lại" }),
    ]);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = { name: f.elements.name.value.trim(), phone: f.elements.phone.value.trim(), question: f.elements.question.value.trim() };
      if (!/^(\+84|0)[0-9 .]{8,13}$/.test(data.phone)) {
        err.hidden = false;
        err.textContent = "Số điện thoại chưa đúng, ví dụ 0912 345 678.";
        f.elements.phone.focus();
        return;
      }
      api("POST", "/api/chat/sessions/" + session.session_id + "/callback", data).then(function (answer) {
        f.remove();
        var said = messagesOf(answer);
        if (said.length) said.forEach(function (m) { render(m, false); });
        else add(el("p", { cls: "tthcw-msg tthcw-system", text: "Đã nhận đề nghị gọi lại. Cảm ơn bạn!" }));
        input.focus();
      }, function (e2) {
        err.hidden = false;
        err.textContent = e2.message;
      });
    });
    add(f);
  }

  // ---- the gateway ----

  function save() {
    try {
      if (session) localStorage.setItem(STORE, JSON.stringify({ s: session, last: lastId }));
      else localStorage.removeItem(STORE);
    } catch (e) { /* storage refused (private mode): the conversation just won't survive a reload */ }
  }

  function load() {
    try {
      var v = JSON.parse(localStorage.getItem(STORE) || "null");
      if (v && v.s && v.s.session_id && v.s.token) return v;
    } catch (e) { /* a damaged entry starts a new conversation */ }
    return null;
  }

  function api(method, path, body) {
    var headers = { Accept: "application/json" };
    if (body) headers["Content-Type"] = "application/json";
    if (session) headers.Authorization = "Bearer " + session.token;
    return fetch(base + path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined })
      .then(function (r) {
        return r.text().then(function (t) {
          var data = null;
          try { data = t ? JSON.parse(t) : null; } catch (e) { data = null; }
          if (!r.ok) {
            var detail = data && typeof data.detail === "string" ? data.detail : null;
            throw { status: r.status, message: detail || "Máy chủ đang bận, vui lòng thử lại sau." };
          }
          return data;
        });
      }, function () {
        throw { status: 0, message: "Không kết nối được máy chủ. Vui lòng kiểm tra mạng." };
      });
  }

  function feedback(body) {
    return api("POST", "/api/chat/sessions/" + session.session_id + "/feedback", body).catch(function (e) {
      setStatus(e.message, true);
    });
  }

  function messagesOf(data) {
    if (Array.isArray(data)) return data;
    return data && Array.isArray(data.messages) ? data.messages : [];
  }

  /** Fetch what was said after the last message we saw (after a reload, a drop, or a poll). */
  function catchUp(fromHistory) {
    if (!session) return Promise.resolve();
    var q = lastId !== null ? "?after=" + encodeURIComponent(lastId) : "";
    return api("GET", "/api/chat/sessions/" + session.session_id + "/messages" + q).then(function (data) {
      var list = messagesOf(data);
      historyTail = list[list.length - 1];
      list.forEach(function (m) { render(m, fromHistory); });
      if (fromHistory) log.scrollTop = log.scrollHeight;
    }, function (e) {
      if (e.status === 401 || e.status === 403 || e.status === 404) return newSession();
      setStatus("Mất kết nối, đang thử lại…", true);
    });
  }

  var creating = null;

  /** Open a new conversation; a question typed while it is being opened waits for the same one. */
  function newSession() {
    if (creating) return creating;
    creating = api("POST", "/api/chat/sessions").then(function (data) {
      creating = null;
      if (socket) { var old = socket; socket = null; old.close(); }
      session = { session_id: data.session_id, token: data.token };
      lastId = null;
      seen = {};
      save();
      connect();
    }, function (e) {
      creating = null;
      throw e;
    });
    return creating;
  }

  function wsUrl() {
    return base.replace(/^http/, "ws") + "/api/chat/ws?session_id=" + encodeURIComponent(session.session_id) +
      "&token=" + encodeURIComponent(session.token) + (lastId !== null ? "&after=" + encodeURIComponent(lastId) : "");
  }

  function connect() {
    clearTimeout(retryTimer);
    if (!session || typeof WebSocket !== "function") return startPolling();
    var ws;
    try { ws = new WebSocket(wsUrl()); } catch (e) { return startPolling(); }
    socket = ws;
    var heard = Date.now();
    var beat = setInterval(function () {
      // A socket can die without a close event (a phone changing networks): ping, and give up
      // on it when nothing has come back for a while, so the reconnect starts.
      if (Date.now() - heard > HEARTBEAT_MS * 2.5) { lost(); ws.close(); }
      else if (ws.readyState === 1) ws.send(JSON.stringify({ type: "ping" }));
    }, HEARTBEAT_MS);
    ws.onopen = function () {
      socketUp = true;
      retryDelay = 1000;
      stopPolling();
      setStatus(ended ? "Cuộc trò chuyện đã kết thúc" : "Đã kết nối");
      catchUp(false); // whatever was said while we were away
    };
    ws.onmessage = function (ev) {
      heard = Date.now();
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg && msg.type === "pong") return;
      if (msg && msg.type === "error") {
        stopWaiting();
        var warn = bubble("system", msg.detail || msg.text || "Tin nhắn chưa gửi được.");
        warn.setAttribute("role", "alert");
        return;
      }
      if (msg && Array.isArray(msg.messages)) msg.messages.forEach(function (m) { render(m, false); });
      else render(msg, false);
    };
    function lost() {
      clearInterval(beat);
      if (socket !== ws) return;
      socket = null;
      socketUp = false;
      if (ended) return;
      setStatus("Mất kết nối, đang thử lại…", true);
      startPolling();
      retryTimer = setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    }
    ws.onclose = lost;
  }

  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(function () { if (!socketUp) catchUp(false); }, POLL_MS);
  }

  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }

  function start() {
    started = true;
    var stored = load();
    var ready;
    if (stored) {
      session = stored.s;
      ready = catchUp(true).then(function () { if (session === stored.s) connect(); });
    } else {
      greet();
      ready = newSession();
    }
    ready.catch(function (e) { setStatus(e.message, true); });
  }

  function greet() {
    var hello = bubble("bot", "Xin chào! Tôi là trợ lý ảo của " + SUBTITLE + ". Bạn có thể hỏi về giấy tờ, lệ phí, " +
      "thời hạn của thủ tục hành chính hoặc tình trạng hồ sơ đã nộp. Gõ có dấu hay không dấu đều được.");
    hello.classList.add("tthcw-greeting");
    quickReplies([
      { title: "Làm căn cước cần giấy tờ gì?" },
      { title: "Lệ phí đăng ký khai sinh?" },
      { title: "Tra cứu hồ sơ" },
    ]);
  }

  // ---- sending ----

  function stopWaiting() {
    clearTimeout(waitTimer);
    typing.hidden = true;
  }

  function wait() {
    typing.hidden = false;
    turnStart = null;
    turnOpen = true;
    log.scrollTop = log.scrollHeight;
    clearTimeout(waitTimer);
    waitTimer = setTimeout(function () {
      typing.hidden = true;
      if (!socketUp) catchUp(false);
    }, REPLY_WAIT_MS);
  }

  /** Send `text` (a typed question or a button's payload), showing `shown` in the bubble. */
  function send(text, shown) {
    text = String(text || "").trim().slice(0, MAX_CHARS);
    if (!text) return;
    if (session) return deliver(text, shown);
    // After "Kết thúc" (or before the session came), the question opens a new conversation.
    if (!creating) reopen();
    newSession().then(function () { deliver(text, shown); }, function (e) { setStatus(e.message, true); });
  }

  function deliver(text, shown) {
    var mine = bubble("user", shown || text);
    mine.setAttribute("data-sent", text);
    log.scrollTop = log.scrollHeight;
    wait();
    if (socketUp && socket && socket.readyState === 1) {
      socket.send(JSON.stringify({ type: "message", text: text }));
      return;
    }
    api("POST", "/api/chat/sessions/" + session.session_id + "/messages", { text: text }).then(function (data) {
      messagesOf(data).forEach(function (m) { render(m, false); });
      catchUp(false);
    }, function (e) {
      stopWaiting();
      var warn = bubble("system", e.message + (HOTLINE ? " Tổng đài hỗ trợ: " + HOTLINE + "." : ""));
      warn.setAttribute("role", "alert");
      mine.classList.add("tthcw-failed");
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return input.focus();
    send(text);
    input.value = "";
    input.style.height = "";
    input.focus();
  });

  input.addEventListener("keydown", function (e) {
    // Enter sends, Shift+Enter breaks the line; never while an IME (Telex, VNI) is composing.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  input.addEventListener("input", function () {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 120) + "px";
  });

  humanBtn.addEventListener("click", function () {
    // The gateway queues the conversation, or answers with the callback form when nobody is on duty.
    var ask = function () {
      wait();
      api("POST", "/api/chat/sessions/" + session.session_id + "/handoff").then(function (data) {
        messagesOf(data).forEach(function (m) { render(m, false); });
      }, function (e) {
        stopWaiting();
        setStatus(e.message, true);
      });
    };
    if (session) ask();
    else newSession().then(ask, function (e) { setStatus(e.message, true); });
    input.focus();
  });

  // ---- ending: a 1–5 rating with a comment ----

  endBtn.addEventListener("click", function () {
    if (!session || log.querySelector(".tthcw-end")) return;
    var stars = el("div", { cls: "tthcw-stars" });
    for (var i = 1; i <= 5; i++) {
      var rid = "tthcw-star-" + i;
      stars.appendChild(el("input", { type: "radio", name: "rating", id: rid, value: String(i) }));
      stars.appendChild(el("label", { for: rid, title: i + " sao" }, [
        el("span", { "aria-hidden": "true", text: "★" }), hidden(i + " trên 5"),
      ]));
    }
    var comment = el("textarea", { id: "tthcw-comment", name: "comment", rows: "2", maxlength: "1000" });
    var err = el("p", { cls: "tthcw-error", role: "alert", hidden: true });
    var f = el("form", { cls: "tthcw-end" }, [
      el("fieldset", null, [el("legend", { text: "Bạn đánh giá cuộc trò chuyện này thế nào? (1 là kém, 5 là rất tốt)" }), stars]),
      el("label", { for: "tthcw-comment", text: "Góp ý thêm (không bắt buộc)" }), comment, err,
      el("div", { cls: "tthcw-row" }, [
        el("button", { type: "submit", cls: "tthcw-primary", text: "Gửi đánh giá" }),
        el("button", { type: "button", cls: "tthcw-link", text: "Bỏ qua", on: { click: function () { finish(f); } } }),
      ]),
    ]);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var chosen = f.querySelector("input[name=rating]:checked");
      if (!chosen) {
        err.hidden = false;
        err.textContent = "Vui lòng chọn số sao từ 1 đến 5.";
        return;
      }
      feedback({ rating: Number(chosen.value), comment: comment.value.trim() || null }).then(function () { finish(f); });
    });
    add(f);
    f.scrollIntoView({ block: "nearest" });
    f.querySelector("input").focus();
  });

  /** The conversation is over: thank, forget the session; the next question starts a new one. */
  function finish(f) {
    f.replaceWith(el("p", { cls: "tthcw-msg tthcw-system", text: "Cảm ơn bạn đã sử dụng trợ lý ảo. Cuộc trò chuyện đã kết thúc." }));
    ended = true;
    setStatus("Cuộc trò chuyện đã kết thúc");
    if (socket) socket.close();
    stopPolling();
    session = null;
    save();
    input.focus();
  }

  function reopen() {
    ended = false;
    lastId = null;
    seen = {};
  }

  if (ds.open === "true" || load()) open(false);
})();
