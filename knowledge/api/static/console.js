/* The agent console around the lookup (lookup.js): sign-in guard, dossier lookup by code, the
 * handoff queue with live chat, call notes, and "copy / send to the citizen" on each section
 * of the procedure card.
 *
 * CSRF: the access token lives in sessionStorage and goes out only in an explicit
 * "Authorization: Bearer …" header set by this script. Browsers never add that header on their
 * own (unlike cookies), so another site cannot forge a request carrying the agent's rights.
 * Everything from the API is shown with textContent, never parsed as HTML.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "tthc.console.token";
  var QUEUE_MS = 3000;
  var CHAT_MS = 1000;
  var token = sessionStorage.getItem(TOKEN_KEY);

  function toLogin() {
    sessionStorage.removeItem(TOKEN_KEY);
    location.replace("/dang-nhap?next=" + encodeURIComponent(location.pathname + location.search));
  }
  if (!token) {
    toLogin();
    return;
  }

  var SPEAKERS = { user: "Người dân", bot: "Trợ lý ảo", agent: "Nhân viên", system: "Hệ thống" };
  var me = null;
  var status = "waiting";
  var current = null; // the handoff open in the conversation pane
  var chatLast = null;
  var chatSeen = {};
  var chatTimer = null;
  var chatGen = 0;

  function $(id) { return document.getElementById(id); }

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
      if (c !== null && c !== undefined && c !== false) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function toast(text) {
    var t = $("toast");
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { t.hidden = true; }, 2500);
  }

  function when(iso) {
    var d = iso ? new Date(iso) : null;
    if (!d || isNaN(d)) return iso || "";
    return d.toLocaleString("vi-VN", { hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric" });
  }

  /** Call the API with the agent's token; a 401 sends the agent back to the sign-in page. */
  function api(method, path, body) {
    var headers = { Accept: "application/json", Authorization: "Bearer " + token };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(path, { method: method, headers: headers, body: body !== undefined ? JSON.stringify(body) : undefined })
      .then(function (r) {
        if (r.status === 401) {
          toLogin();
          throw { status: 401, message: "Phiên đăng nhập đã hết hạn." };
        }
        return r.text().then(function (t) {
          var data = null;
          try { data = t ? JSON.parse(t) : null; } catch (e) { data = null; }
          if (!r.ok) {
            var detail = data && typeof data.detail === "string" ? data.detail : "Lỗi máy chủ (" + r.status + ").";
            throw { status: r.status, message: detail };
          }
          return data;
        });
      }, function () {
        throw { status: 0, message: "Không kết nối được máy chủ. Vui lòng thử lại." };
      });
  }

  // ---- who is signed in ----

  api("GET", "/api/auth/me").then(function (user) {
    me = user;
    $("agent-name").textContent = (user.full_name || user.username) + " · " + (user.role === "admin" ? "quản trị" : "tổng đài viên");
  }).catch(function () { /* toLogin already ran on 401; other errors leave the page usable */ });

  $("logout").addEventListener("click", function () {
    sessionStorage.removeItem(TOKEN_KEY);
    location.assign("/dang-nhap");
  });

  // ---- dossier lookup by code (every read is audited by the API) ----

  function fact(label, value) {
    if (value === null || value === undefined || value === "") return [];
    return [el("dt", { text: label }), el("dd", { text: String(value) })];
  }

  function renderDossier(d) {
    var card = $("card");
    clear(card);
    var facts = [].concat(
      fact("Thủ tục", (d.procedure_name ? d.procedure_name + " " : "") + "(mã " + d.procedure_code + ")"),
      fact("Tình trạng", d.state_label + (d.overdue ? " — QUÁ HẠN" : "")),
      fact("Bước hiện tại", d.current_step),
      fact("Lý do", d.state_reason),
      fact("Nơi tiếp nhận", d.receiving_agency),
      fact("Cơ quan giải quyết", d.handling_agency),
      fact("Ngày tiếp nhận", when(d.received_at)),
      fact("Hẹn trả kết quả", when(d.due_at)),
      fact("Ngày hoàn thành", when(d.finished_at)),
      fact("Người nộp", d.applicant_name),
      fact("Điện thoại", d.applicant_phone),
      fact("Số định danh", d.applicant_id_number),
      fact("Lệ phí đã nộp trực tuyến", d.fee_paid_online ? "Có" : "Không")
    );
    var rows = (d.history || []).map(function (h) {
      return el("tr", null, [
        el("td", { text: when(h.occurred_at) }), el("td", { text: h.state_label }),
        el("td", { text: [h.step, h.agency, h.note].filter(Boolean).join(" · ") }),
      ]);
    });
    card.appendChild(el("article", { cls: "dossier", "aria-labelledby": "dossier-title" }, [
      d.overdue ? el("div", { cls: "notice error", role: "alert", text: "Hồ sơ đã quá hạn giải quyết." }) : null,
      el("h2", { id: "dossier-title", text: "Hồ sơ " + d.code }),
      el("dl", { cls: "facts" }, facts),
      el("h3", { text: "Quá trình xử lý" }),
      rows.length ? el("div", { cls: "table-wrap" }, [el("table", { cls: "channels" }, [
        el("thead", null, [el("tr", null, [
          el("th", { scope: "col", text: "Thời điểm" }), el("th", { scope: "col", text: "Tình trạng" }),
          el("th", { scope: "col", text: "Chi tiết" }),
        ])]),
        el("tbody", null, rows),
      ])]) : el("p", { cls: "missing", text: "Chưa có lịch sử xử lý." }),
      el("p", { cls: "muted", text: "Lượt xem hồ sơ này đã được ghi nhật ký." }),
    ]));
    card.focus();
  }

  $("dossier-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = $("dossier-code").value.trim();
    if (!code) {
      toast("Vui lòng nhập mã hồ sơ.");
      $("dossier-code").focus();
      return;
    }
    api("GET", "/api/dossiers/" + encodeURIComponent(code)).then(renderDossier, function (err) {
      var card = $("card");
      clear(card);
      card.appendChild(el("div", { cls: "notice error", role: "alert", text: err.message }));
    });
  });

  // ---- copy / send a section of the procedure card ----

  /** A table as lines a person can read aloud or a citizen can read in a chat bubble. */
  function tableText(table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
    return Array.prototype.map.call(table.querySelectorAll("tbody tr"), function (tr) {
      var cells = Array.prototype.map.call(tr.children, function (c) { return c.textContent.trim(); });
      var parts = cells.slice(1).map(function (value, i) { return value ? heads[i + 1] + ": " + value : ""; });
      return "- " + cells[0] + ": " + parts.filter(Boolean).join("; ");
    }).join("\n");
  }

  /** The text of one card section as shown (its heading, lists and tables), for copy or send. */
  function sectionText(section) {
    var article = section.closest(".procedure");
    var title = $("card-title");
    var head = title ? title.textContent + (article ? " (mã " + article.getAttribute("data-code") + ")" : "") : "";
    var heading = section.querySelector("h3");
    var body = Array.prototype.map.call(section.children, function (child) {
      if (child === heading || child.classList.contains("section-tools")) return "";
      var table = child.matches("table") ? child : child.querySelector("table");
      return table ? tableText(table) : child.innerText.trim();
    }).filter(Boolean).join("\n");
    return [head, heading ? heading.textContent + ":" : "", body].filter(Boolean).join("\n");
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var area = el("textarea", { readonly: true, cls: "offscreen" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok ? Promise.resolve() : Promise.reject();
  }

  function decorate(card) {
    Array.prototype.forEach.call(card.querySelectorAll(".card-section"), function (section) {
      if (section.querySelector(".section-tools")) return;
      var name = (section.querySelector("h3") || {}).textContent || "phần này";
      var tools = el("div", { cls: "section-tools" }, [
        el("button", {
          type: "button", cls: "button secondary small", text: "Sao chép", "aria-label": "Sao chép: " + name,
          on: { click: function () {
            copy(sectionText(section)).then(function () { toast("Đã sao chép “" + name + "”."); }, function () {
              toast("Không sao chép được; hãy chọn và sao chép thủ công.");
            });
          } },
        }),
        el("button", {
          type: "button", cls: "button small send-section", text: "Gửi cho người dân", "aria-label": "Gửi cho người dân: " + name,
          disabled: !mine(current),
          on: { click: function () {
            var article = section.closest(".procedure");
            sendToCitizen(sectionText(section), name, article && article.getAttribute("data-code"));
          } },
        }),
      ]);
      section.insertBefore(tools, section.firstChild.nextSibling);
    });
  }

  function refreshSendButtons() {
    Array.prototype.forEach.call(document.querySelectorAll(".send-section"), function (b) { b.disabled = !mine(current); });
  }

  new MutationObserver(function () { decorate($("card")); }).observe($("card"), { childList: true, subtree: false });
  decorate($("card"));

  // ---- the handoff queue ----

  function mine(h) {
    return !!(h && h.status === "active" && me && h.agent === me.username);
  }

  function citedCodes(h) {
    return Array.isArray(h.procedure_codes) ? h.procedure_codes : [];
  }

  function summaryOf(h) {
    if (h.status === "callback") return [h.callback_name, h.callback_phone, h.callback_question].filter(Boolean).join(" · ");
    return h.last_message || h.question || h.summary || "";
  }

  function openProcedure(code) {
    // lookup.js opens the card on popstate; going through history keeps Back working.
    history.pushState({ code: code }, "", "/tra-cuu/" + encodeURIComponent(code));
    window.dispatchEvent(new PopStateEvent("popstate", { state: { code: code } }));
  }

  function renderQueue(items) {
    var list = $("queue");
    clear(list);
    if (!items.length) {
      list.appendChild(el("li", { cls: "queue-empty", text: status === "callback" ? "Không có đề nghị gọi lại." : "Không có cuộc trò chuyện nào." }));
      return;
    }
    items.forEach(function (h) {
      var label = status === "callback" ? "Đề nghị gọi lại" : "Cuộc trò chuyện";
      list.appendChild(el("li", null, [el("button", {
        type: "button", cls: "queue-item" + (current && current.id === h.id ? " current" : ""), "data-id": String(h.id),
        on: { click: function () { openConversation(h); } },
      }, [
        el("span", { cls: "queue-title", text: label + " #" + h.id + (h.agent ? " · " + h.agent : "") }),
        el("span", { cls: "queue-meta", text: when(h.created_at) + (h.position ? " · vị trí " + h.position : "") }),
        summaryOf(h) ? el("span", { cls: "queue-text", text: summaryOf(h) }) : null,
      ])]));
    });
  }

  function loadQueue() {
    ["waiting", "active", "callback"].forEach(function (s) {
      api("GET", "/api/agent/handoffs?status=" + s).then(function (data) {
        var items = Array.isArray(data) ? data : (data && (data.items || data.handoffs)) || [];
        document.querySelector("[data-count=" + s + "]").textContent = String(items.length);
        if (s === status) renderQueue(items);
        if (current) {
          var fresh = items.filter(function (h) { return h.id === current.id; })[0];
          if (fresh && fresh.status !== current.status) {
            current = fresh;
            renderConversation();
          }
        }
        $("queue-status").textContent = "";
      }, function (err) {
        if (err.status !== 401) $("queue-status").textContent = err.message;
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".queue-tabs [role=tab]"), function (tab, _i, tabs) {
    tab.addEventListener("click", function () {
      status = tab.getAttribute("data-status");
      Array.prototype.forEach.call(tabs, function (t) {
        t.setAttribute("aria-selected", String(t === tab));
        t.tabIndex = t === tab ? 0 : -1;
      });
      $("queue-panel").setAttribute("aria-labelledby", tab.id);
      loadQueue();
    });
    tab.addEventListener("keydown", function (e) {
      var i = Array.prototype.indexOf.call(tabs, tab);
      var next = e.key === "ArrowRight" ? tabs[(i + 1) % tabs.length] : e.key === "ArrowLeft" ? tabs[(i + tabs.length - 1) % tabs.length] : null;
      if (next) { next.focus(); next.click(); }
    });
  });

  // ---- one conversation: transcript, cited procedure, reply, release/close, call note ----

  function openConversation(h) {
    current = h;
    renderConversation();
    loadQueue();
  }

  function action(path, done) {
    return api("POST", "/api/agent/handoffs/" + current.id + "/" + path).then(function (h) {
      if (h && h.id) current = h;
      else current.status = done;
      renderConversation();
      loadQueue();
    }, function (err) {
      toast(err.status === 409 ? "Cuộc trò chuyện này đã có nhân viên khác nhận." : err.message);
    });
  }

  function renderConversation() {
    var pane = $("conversation");
    clearInterval(chatTimer);
    clear(pane);
    // A new transcript box: read the whole conversation again, ignoring requests in flight.
    chatGen++;
    chatLast = null;
    chatSeen = {};
    refreshSendButtons();
    if (!current) { pane.hidden = true; return; }
    pane.hidden = false;
    var h = current;
    var codes = citedCodes(h);
    var buttons = [];
    if (h.status === "waiting") buttons.push(el("button", { type: "button", cls: "button", text: "Nhận hỗ trợ", on: { click: function () { action("claim", "active"); } } }));
    if (mine(h)) {
      buttons.push(el("button", { type: "button", cls: "button secondary", text: "Trả lại cho trợ lý ảo", on: { click: function () { action("release", "released"); } } }));
    }
    if (h.status !== "closed") {
      buttons.push(el("button", { type: "button", cls: "button secondary", text: h.status === "callback" ? "Đã gọi lại, đóng" : "Kết thúc", on: { click: function () { action("close", "closed"); } } }));
    }
    var transcript = el("div", { id: "transcript", cls: "transcript", role: "log", "aria-live": "polite", "aria-label": "Nội dung trò chuyện", tabindex: "0" });
    var reply = el("textarea", { id: "agent-reply", rows: "2", maxlength: "1000" });
    var replyForm = mine(h) ? el("form", { cls: "agent-reply" }, [
      el("label", { for: "agent-reply", text: "Trả lời người dân" }), reply,
      el("button", { type: "submit", cls: "button", text: "Gửi" }),
    ]) : null;
    if (replyForm) {
      replyForm.addEventListener("submit", function (e) {
        e.preventDefault();
        var text = reply.value.trim();
        if (!text) return reply.focus();
        sendToCitizen(text).then(function (ok) { if (ok) { reply.value = ""; reply.focus(); } });
      });
      reply.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
          e.preventDefault();
          replyForm.requestSubmit();
        }
      });
    }
    var note = el("textarea", { id: "call-note", rows: "2", maxlength: "500" });
    note.value = h.note || "";
    var noteForm = el("form", { cls: "call-note" }, [
      el("label", { for: "call-note", text: "Ghi chú cuộc gọi (ngắn)" }), note,
      el("button", { type: "submit", cls: "button secondary small", text: "Lưu ghi chú" }),
    ]);
    noteForm.addEventListener("submit", function (e) {
      e.preventDefault();
      api("PUT", "/api/agent/handoffs/" + h.id + "/note", { note: note.value.trim() }).then(function () {
        h.note = note.value.trim();
        toast("Đã lưu ghi chú.");
      }, function (err) { toast(err.message); });
    });
    var statusText = { waiting: "Đang chờ", active: "Đang hỗ trợ", callback: "Đề nghị gọi lại", closed: "Đã kết thúc", released: "Đã trả lại trợ lý ảo" }[h.status] || h.status;
    pane.appendChild(el("h3", { id: "conversation-title", text: (h.status === "callback" ? "Đề nghị gọi lại #" : "Cuộc trò chuyện #") + h.id + " — " + statusText }));
    if (h.status === "callback") {
      pane.appendChild(el("dl", { cls: "facts" }, [].concat(
        fact("Họ tên", h.callback_name), fact("Điện thoại", h.callback_phone), fact("Câu hỏi", h.callback_question))));
    }
    if (codes.length) {
      pane.appendChild(el("p", { cls: "cited" }, ["Thủ tục trợ lý đã trích dẫn: "].concat(codes.map(function (c) {
        return el("a", { href: "/tra-cuu/" + encodeURIComponent(c), cls: "cited-code", text: c, on: { click: function (e) { e.preventDefault(); openProcedure(c); } } });
      }))));
    }
    pane.appendChild(el("div", { cls: "conversation-actions" }, buttons));
    if (h.status !== "callback") pane.appendChild(transcript);
    if (replyForm) pane.appendChild(replyForm);
    pane.appendChild(noteForm);
    if (h.status !== "callback") {
      loadTranscript();
      if (h.status === "active" || h.status === "waiting") chatTimer = setInterval(loadTranscript, CHAT_MS);
    }
  }

  function loadTranscript() {
    if (!current) return;
    var id = current.id;
    var gen = chatGen;
    var q = chatLast !== null ? "?after=" + encodeURIComponent(chatLast) : "";
    api("GET", "/api/agent/handoffs/" + id + "/messages" + q).then(function (data) {
      if (!current || current.id !== id || gen !== chatGen) return;
      var list = Array.isArray(data) ? data : (data && data.messages) || [];
      var box = $("transcript");
      if (!box) return;
      var atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - 20;
      list.forEach(function (m) {
        var key = String(m.id);
        if (chatSeen[key]) return;
        chatSeen[key] = true;
        if (chatLast === null || Number(m.id) > Number(chatLast)) chatLast = m.id;
        var role = SPEAKERS[m.role] ? m.role : "system";
        box.appendChild(el("div", { cls: "line line-" + role, "data-id": key }, [
          el("span", { cls: "speaker", text: SPEAKERS[role] + " · " + when(m.created_at) }),
          el("span", { cls: "line-text", text: m.text || "" }),
        ]));
      });
      if (atEnd || list.length) box.scrollTop = box.scrollHeight;
    }, function (err) {
      if (err.status !== 401) $("queue-status").textContent = err.message;
    });
  }

  /** Send text to the citizen of the conversation the agent holds; resolves true when sent. */
  function sendToCitizen(text, what, code) {
    if (!mine(current)) {
      toast("Hãy nhận một cuộc trò chuyện trước khi gửi.");
      return Promise.resolve(false);
    }
    var body = { text: text };
    if (code) body.procedure_code = code; // the gateway records which card was sent
    return api("POST", "/api/agent/handoffs/" + current.id + "/messages", body).then(function () {
      if (what) toast("Đã gửi “" + what + "” cho người dân.");
      loadTranscript();
      return true;
    }, function (err) {
      toast(err.message);
      return false;
    });
  }

  /** Live updates: the gateway pushes queue changes and new messages; polling stays as a net. */
  function listen() {
    var ws;
    try {
      // The token goes in the first message, never in the URL (access logs keep URLs).
      ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/api/agent/ws");
    } catch (e) {
      return;
    }
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: "auth", token: token }));
    };
    ws.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.type === "handoff") loadQueue();
      else if (data.type === "message" && current && data.session_id === current.session_id) loadTranscript();
    };
    ws.onclose = function (event) {
      if (event.code !== 4401) setTimeout(listen, 3000);
    };
  }

  loadQueue();
  setInterval(loadQueue, QUEUE_MS);
  listen();
})();
