/* The admin pages (/quan-tri): sign in, catalog list and editor, decisions, audit, lexicon, users,
 * analytics.
 *
 * One fetch client talks to /api/admin/* with the bearer token kept in sessionStorage.
 * Everything from the API goes on the page with textContent, never as HTML, except the
 * analytics tab: the server renders it (SVG charts, Jinja-escaped) and it is inserted whole.
 * Agents see the lists read-only: the controls marked data-admin-only are hidden for them.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "tthc-admin-token";
  var PAGE = 50;
  var STATUS = { in_force: "Còn hiệu lực", amended: "Được sửa đổi, bổ sung", abolished: "Bị bãi bỏ" };
  var DECISION_STATE = { applied: "Đã áp dụng", scheduled: "Chờ đến ngày hiệu lực", rolled_back: "Đã hoàn tác", published: "Công bố" };
  var ACTION = { edit: "Biên tập", decision: "Quyết định", rollback: "Hoàn tác", activate: "Đến ngày hiệu lực", lexicon: "Từ ngữ" };
  var CHANNELS = ["in_person", "online", "postal"];

  var $ = function (id) { return document.getElementById(id); };
  var token = sessionStorage.getItem(TOKEN_KEY);
  var me = null;
  var offset = 0;
  var editing = null;
  var pendingFile = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key === "onclick") node.addEventListener("click", value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function say(text, isError) {
    var status = $("status");
    status.textContent = text || "";
    status.className = "status" + (isError ? " error" : "");
  }

  function text(value) {
    if (value === null || value === undefined || value === "") return "—";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function when(value) {
    if (!value) return "—";
    var d = new Date(value);
    return isNaN(d) ? value : d.toLocaleString("vi-VN");
  }

  function day(value) {
    if (!value) return "—";
    var parts = String(value).split("-");
    return parts.length === 3 ? parts[2] + "/" + parts[1] + "/" + parts[0] : value;
  }

  function api(method, url, body, isForm) {
    var options = { method: method, headers: {} };
    if (token) options.headers.Authorization = "Bearer " + token;
    if (body !== undefined) {
      if (isForm) options.body = body;
      else {
        options.headers["Content-Type"] = "application/json";
        options.body = JSON.stringify(body);
      }
    }
    return fetch(url, options).then(function (response) {
      if (response.status === 401) signOut("Phiên đăng nhập đã hết, vui lòng đăng nhập lại.");
      if (response.status === 204) return null;
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error((data && data.detail) || "Lỗi " + response.status);
          error.status = response.status;
          throw error;
        }
        return data;
      });
    });
  }

  function fail(error) { say(error.message || "Có lỗi, vui lòng thử lại.", true); }

  // ---- sign in ----

  function signOut(message) {
    token = null;
    me = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $("app").hidden = true;
    $("who").hidden = true;
    $("login").hidden = false;
    if (message) {
      $("login-error").textContent = message;
      $("login-error").hidden = false;
    }
  }

  function start() {
    api("GET", "/api/auth/me").then(function (user) {
      me = user;
      $("login").hidden = true;
      $("app").hidden = false;
      $("who").hidden = false;
      $("who-name").textContent = user.username + " · " + (user.role_label || user.role);
      var isAdmin = user.role === "admin";
      document.querySelectorAll("[data-admin-only]").forEach(function (node) { node.hidden = !isAdmin; });
      loadFields();
      loadCatalog();
      show(location.hash.replace("#", "") || "catalog");
    }).catch(function () { signOut(); });
  }

  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = new URLSearchParams();
    form.set("username", $("username").value.trim());
    form.set("password", $("password").value);
    fetch("/api/auth/token", { method: "POST", body: form }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.detail || "Đăng nhập không thành công.");
        return data;
      });
    }).then(function (data) {
      token = data.access_token;
      sessionStorage.setItem(TOKEN_KEY, token);
      $("login-error").hidden = true;
      $("password").value = "";
      start();
    }).catch(function (error) {
      $("login-error").textContent = error.message;
      $("login-error").hidden = false;
    });
  });

  $("logout").addEventListener("click", function () { signOut(); $("username").focus(); });

  // ---- tabs ----

  function show(name) {
    var tabs = document.querySelectorAll("[data-tab]");
    var adminOnly = name === "users" || name === "analytics";
    if (!$("tab-" + name) || (adminOnly && me && me.role !== "admin")) name = "catalog";
    tabs.forEach(function (button) {
      var on = button.getAttribute("data-tab") === name;
      if (on) button.setAttribute("aria-current", "page"); else button.removeAttribute("aria-current");
      $("tab-" + button.getAttribute("data-tab")).hidden = !on;
    });
    if (location.hash !== "#" + name) history.replaceState(null, "", "#" + name);
    say("");
    if (name === "decisions") loadDecisions();
    if (name === "audit") loadAudit();
    if (name === "lexicon") loadLexicon();
    if (name === "users") loadUsers();
    if (name === "analytics") loadAnalytics();
  }

  document.querySelectorAll("[data-tab]").forEach(function (button) {
    button.addEventListener("click", function () { show(button.getAttribute("data-tab")); });
  });

  // ---- catalog ----

  function loadFields() {
    api("GET", "/api/fields").then(function (fields) {
      var select = $("f-field");
      (fields || []).forEach(function (f) {
        select.appendChild(el("option", { value: f.name, text: f.name + " (" + f.procedures + ")" }));
      });
    }).catch(function () {});
  }

  function loadCatalog() {
    var params = new URLSearchParams({ offset: offset, limit: PAGE });
    [["q", "f-q"], ["field", "f-field"], ["level", "f-level"], ["status", "f-status"]].forEach(function (pair) {
      var value = $(pair[1]).value.trim();
      if (value) params.set(pair[0], value);
    });
    api("GET", "/api/admin/procedures?" + params).then(function (page) {
      var body = $("catalog-table").querySelector("tbody");
      clear(body);
      page.items.forEach(function (p) {
        var statusText = STATUS[p.status] || p.status;
        if (p.replaced_by_code) statusText += " → " + p.replaced_by_code;
        body.appendChild(el("tr", {}, [
          el("td", { text: p.code }),
          el("td", { text: p.name }),
          el("td", { text: text(p.field) }),
          el("td", { text: p.levels }),
          el("td", { className: "state-" + p.status, text: statusText }),
          el("td", {}, [el("button", {
            type: "button", className: "button secondary small", text: me && me.role === "admin" ? "Sửa" : "Xem",
            "aria-label": (me && me.role === "admin" ? "Sửa " : "Xem ") + p.code,
            onclick: function () { openEditor(p.code); },
          })]),
        ]));
      });
      var last = Math.min(offset + PAGE, page.total);
      $("catalog-count").textContent = page.total
        ? "Thủ tục " + (offset + 1) + "–" + last + " trên " + page.total
        : "Không có thủ tục nào theo bộ lọc này.";
      $("prev").disabled = offset === 0;
      $("next").disabled = last >= page.total;
    }).catch(fail);
  }

  $("catalog-filters").addEventListener("submit", function (event) {
    event.preventDefault();
    offset = 0;
    loadCatalog();
  });
  $("prev").addEventListener("click", function () { offset = Math.max(0, offset - PAGE); loadCatalog(); });
  $("next").addEventListener("click", function () { offset += PAGE; loadCatalog(); });

  function openEditor(code) {
    api("GET", "/api/admin/procedures/" + encodeURIComponent(code)).then(function (card) {
      editing = card;
      $("editor").hidden = false;
      $("editor-title").textContent = "Biên tập " + card.code;
      $("e-name").value = card.name;
      CHANNELS.forEach(function (key) {
        var channel = card.channels.filter(function (c) { return c.channel === key; })[0];
        $("e-time-" + key).value = channel ? channel.time_text : "";
        $("e-fee-" + key).value = channel ? channel.fee_text : "";
      });
      $("e-papers").value = card.papers.map(function (p) { return p.name; }).join("\n");
      $("e-competent").value = card.competent_agency || "";
      $("e-implementing").value = card.implementing_agency || "";
      $("e-status").value = card.status;
      $("e-status-date").value = card.status_date || "";
      $("e-replaced").value = card.replaced_by_code || "";
      $("e-decision").value = card.status_decision || "";
      clear($("editor-result"));
      $("editor").focus();
      loadProcedureAudit(card.code);
    }).catch(fail);
  }

  $("editor-close").addEventListener("click", function () { $("editor").hidden = true; editing = null; });

  function editedFields() {
    var card = editing;
    var edit = {};
    var name = $("e-name").value.trim();
    if (name !== card.name) edit.name = name;
    var channels = [];
    var changed = false;
    CHANNELS.forEach(function (key) {
      var time = $("e-time-" + key).value.trim();
      var fee = $("e-fee-" + key).value.trim();
      var old = card.channels.filter(function (c) { return c.channel === key; })[0];
      if ((old ? old.time_text : "") !== time || (old ? old.fee_text : "") !== fee) changed = true;
      if (time || fee || old) {
        channels.push({ channel: key, time_text: time, fee_text: fee, description: old ? old.description : "" });
      }
    });
    if (changed) edit.channels = channels.filter(function (c) { return c.time_text || c.fee_text; });
    var papers = $("e-papers").value.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
    if (papers.join("\n") !== card.papers.map(function (p) { return p.name; }).join("\n")) {
      edit.papers = papers.map(function (n) { return { name: n }; });
    }
    if ($("e-competent").value.trim() !== (card.competent_agency || "")) edit.competent_agency = $("e-competent").value;
    if ($("e-implementing").value.trim() !== (card.implementing_agency || "")) edit.implementing_agency = $("e-implementing").value;
    var status = $("e-status").value;
    var decision = $("e-decision").value.trim();
    if (status !== card.status || ($("e-status-date").value || "") !== (card.status_date || "")) {
      edit.status = status;
      if (decision) edit.status_decision = decision;
      if ($("e-status-date").value) edit.status_date = $("e-status-date").value;
    }
    var replaced = $("e-replaced").value.trim();
    if (replaced !== (card.replaced_by_code || "")) edit.replaced_by_code = replaced;
    if (decision) edit.decision_number = decision;
    return edit;
  }

  $("editor-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!editing) return;
    var edit = editedFields();
    api("PATCH", "/api/admin/procedures/" + encodeURIComponent(editing.code), edit).then(function (result) {
      var box = $("editor-result");
      clear(box);
      if (!result.changes.length) {
        box.appendChild(el("p", { className: "notice", text: "Không có gì thay đổi." }));
        return;
      }
      box.appendChild(el("p", { className: "notice ok", text: "Đã lưu " + result.changes.length + " thay đổi; trợ lý ảo trả lời theo nội dung mới ngay." }));
      box.appendChild(changeList(result.changes));
      editing = result.procedure;
      loadProcedureAudit(editing.code);
      loadCatalog();
    }).catch(function (error) {
      clear($("editor-result"));
      $("editor-result").appendChild(el("p", { className: "notice error", role: "alert", text: error.message }));
    });
  });

  function changeList(changes) {
    return el("ul", { className: "changes" }, changes.map(function (c) {
      return el("li", {}, [
        el("strong", { text: c.label + ": " }),
        el("del", { text: text(c.before) }), " → ", el("ins", { text: text(c.after) }),
      ]);
    }));
  }

  function auditRows(body, entries, withCode) {
    clear(body);
    entries.forEach(function (e) {
      var cells = [el("td", { text: when(e.at) }), el("td", { text: e.actor })];
      if (withCode) {
        cells.push(el("td", { text: ACTION[e.action] || e.action }));
        cells.push(el("td", { text: e.procedure_code }));
      }
      cells.push(el("td", { text: e.label || e.attribute }));
      cells.push(el("td", { className: "before", text: text(e.before) }));
      cells.push(el("td", { className: "after", text: text(e.after) }));
      cells.push(el("td", { text: text(e.decision_number) }));
      body.appendChild(el("tr", {}, cells));
    });
    if (!entries.length) {
      body.appendChild(el("tr", {}, [el("td", { colspan: withCode ? 8 : 6, text: "Chưa có thay đổi nào." })]));
    }
  }

  function loadProcedureAudit(code) {
    api("GET", "/api/admin/audit?code=" + encodeURIComponent(code)).then(function (entries) {
      auditRows($("editor-audit").querySelector("tbody"), entries, false);
    }).catch(fail);
  }

  // ---- decisions ----

  function previewTable(title, items, withChanges) {
    if (!items.length) return null;
    return el("section", { className: "preview-group" }, [
      el("h4", { text: title + " (" + items.length + ")" }),
      el("ul", {}, items.map(function (item) {
        var line = [el("strong", { text: item.code }), " " + item.name];
        if (item.replaced_by_code) {
          line.push(" → thay bằng " + item.replaced_by_code + (item.replaced_by_name ? " (" + item.replaced_by_name + ")" : ""));
        }
        if (withChanges && item.changes.length) line.push(changeList(item.changes));
        return el("li", {}, line);
      })),
    ]);
  }

  function renderPreview(result) {
    var box = $("decision-preview");
    clear(box);
    var p = result.preview;
    var summary = "Quyết định " + p.number + ", hiệu lực " + day(p.effective_on) +
      (p.takes_effect_now ? " (có hiệu lực ngay)" : " (hẹn đến ngày hiệu lực)") + ": " +
      p.added.length + " thêm mới, " + p.changed.length + " sửa đổi, " + p.abolished.length + " bãi bỏ.";
    box.appendChild(el("p", { className: "notice" + (p.errors.length ? " error" : " ok"), text: summary }));
    if (p.errors.length) {
      box.appendChild(el("h4", { text: "Lỗi (" + p.errors.length + ") — chưa thể áp dụng" }));
      box.appendChild(el("ul", { className: "errors" }, p.errors.map(function (e) {
        return el("li", { text: "Dòng " + e.row + (e.code ? " (" + e.code + ")" : "") + ": " + e.message });
      })));
    }
    [previewTable("Thêm mới", p.added, false), previewTable("Sửa đổi, bổ sung", p.changed, true),
      previewTable("Bãi bỏ", p.abolished, false)].forEach(function (node) { if (node) box.appendChild(node); });
    $("decision-apply").disabled = result.dry_run ? p.errors.length > 0 : true;
  }

  function sendDecision(dryRun) {
    var file = dryRun ? $("decision-file").files[0] : pendingFile;
    if (!file) { say("Hãy chọn tệp quyết định.", true); return; }
    var form = new FormData();
    form.append("file", file);
    say(dryRun ? "Đang xem trước…" : "Đang áp dụng…");
    api("POST", "/api/admin/decisions?dry_run=" + dryRun, form, true).then(function (result) {
      pendingFile = dryRun ? file : null;
      renderPreview(result);
      if (!dryRun) {
        var state = DECISION_STATE[result.decision.state] || result.decision.state;
        say("Quyết định " + result.decision.number + ": " + state + ".");
        loadDecisions();
        loadCatalog();
      } else {
        say("Đã xem trước, chưa có gì được ghi.");
      }
    }).catch(fail);
  }

  $("decision-form").addEventListener("submit", function (event) { event.preventDefault(); sendDecision(true); });
  $("decision-file").addEventListener("change", function () { $("decision-apply").disabled = true; pendingFile = null; });
  $("decision-apply").addEventListener("click", function () { sendDecision(false); });

  function loadDecisions() {
    api("GET", "/api/admin/decisions").then(function (decisions) {
      var body = $("decision-table").querySelector("tbody");
      clear(body);
      decisions.forEach(function (d) {
        var canRollBack = me && me.role === "admin" && (d.state === "applied" || d.state === "scheduled");
        body.appendChild(el("tr", {}, [
          el("td", { text: d.number }),
          el("td", { text: day(d.effective_on) }),
          el("td", { text: DECISION_STATE[d.state] || d.state }),
          el("td", { text: String(d.rows) }),
          el("td", { text: text(d.imported_by) }),
          el("td", {}, [canRollBack ? el("button", {
            type: "button", className: "button secondary small", text: "Hoàn tác",
            "aria-label": "Hoàn tác quyết định " + d.number,
            onclick: function () { previewRollback(d); },
          }) : null]),
        ]));
      });
      if (!decisions.length) body.appendChild(el("tr", {}, [el("td", { colspan: 6, text: "Chưa có quyết định nào." })]));
    }).catch(fail);
  }

  // A rollback is previewed first: what goes back, what is removed, and the procedures edited
  // by hand since the decision (the server refuses to overwrite those unless told to).
  function previewRollback(d) {
    var box = $("rollback-preview");
    api("GET", "/api/admin/decisions/" + d.id + "/rollback").then(function (p) {
      clear(box);
      box.hidden = false;
      var title = el("h4", { id: "rollback-title", tabindex: "-1", text: "Hoàn tác quyết định " + d.number });
      box.appendChild(title);
      box.appendChild(el("p", { className: "notice", text: p.state === "scheduled"
        ? "Quyết định chưa đến ngày hiệu lực: hoàn tác chỉ hủy lịch áp dụng."
        : "Sẽ khôi phục " + p.restored.length + " thủ tục về như trước quyết định và xóa " + p.removed.length + " thủ tục quyết định đã thêm." }));
      [previewTable("Khôi phục", p.restored, true), previewTable("Xóa", p.removed, false)].forEach(function (node) {
        if (node) box.appendChild(node);
      });
      var overwrite = p.edited_since.length > 0;
      if (overwrite) {
        box.appendChild(el("p", { className: "notice error", role: "alert",
          text: p.edited_since.length + " thủ tục đã được sửa tay sau khi áp dụng quyết định; hoàn tác sẽ ghi đè các sửa đổi này:" }));
        box.appendChild(el("ul", { className: "errors" }, p.edited_since.map(function (e) {
          return el("li", {}, [
            el("strong", { text: e.code }), " " + e.name + " — sửa bởi " + (e.edited_by.join(", ") || "—") +
              (e.last_edited_at ? ", lần cuối " + when(e.last_edited_at) : ""),
            changeList(e.changes),
          ]);
        })));
      }
      var confirmText = overwrite ? "Hoàn tác và ghi đè sửa tay" : "Xác nhận hoàn tác";
      box.appendChild(el("div", { className: "form-actions" }, [
        el("button", {
          type: "button", className: "button", text: confirmText,
          "aria-label": confirmText + " quyết định " + d.number,
          onclick: function () { rollBack(d, overwrite); },
        }),
        el("button", {
          type: "button", className: "button secondary", text: "Hủy",
          onclick: function () { clear(box); box.hidden = true; },
        }),
      ]));
      title.focus();
    }).catch(fail);
  }

  function rollBack(d, overwrite) {
    var url = "/api/admin/decisions/" + d.id + "/rollback" + (overwrite ? "?overwrite_edits=true" : "");
    api("POST", url).then(function () {
      clear($("rollback-preview"));
      $("rollback-preview").hidden = true;
      say("Đã hoàn tác quyết định " + d.number + ".");
      loadDecisions();
      loadCatalog();
    }).catch(function (error) {
      fail(error);
      if (error.status === 409) previewRollback(d);  // edited meanwhile: show what changed
    });
  }

  // ---- audit ----

  function loadAudit() {
    var params = new URLSearchParams();
    [["code", "a-code"], ["user", "a-user"], ["from", "a-from"], ["to", "a-to"]].forEach(function (pair) {
      var value = $(pair[1]).value.trim();
      if (value) params.set(pair[0], value);
    });
    api("GET", "/api/admin/audit?" + params).then(function (entries) {
      auditRows($("audit-table").querySelector("tbody"), entries, true);
    }).catch(fail);
  }

  $("audit-filters").addEventListener("submit", function (event) { event.preventDefault(); loadAudit(); });

  // ---- lexicon ----

  function loadLexicon() {
    api("GET", "/api/admin/lexicon").then(function (words) {
      var body = $("lexicon-table").querySelector("tbody");
      clear(body);
      words.forEach(function (w) {
        body.appendChild(el("tr", {}, [
          el("td", { text: w.term }),
          el("td", { text: w.procedure_code + " · " + w.procedure_name }),
          el("td", { text: w.created_by }),
          el("td", { text: when(w.created_at) }),
          el("td", {}, [me && me.role === "admin" ? el("button", {
            type: "button", className: "button secondary small", text: "Xóa", "aria-label": "Xóa từ " + w.term,
            onclick: function () {
              api("DELETE", "/api/admin/lexicon/" + w.id).then(function () { say("Đã xóa từ «" + w.term + "»."); loadLexicon(); }).catch(fail);
            },
          }) : null]),
        ]));
      });
      if (!words.length) body.appendChild(el("tr", {}, [el("td", { colspan: 5, text: "Chưa có từ ngữ nào." })]));
    }).catch(fail);
  }

  $("lexicon-form").addEventListener("submit", function (event) {
    event.preventDefault();
    api("POST", "/api/admin/lexicon", { term: $("l-term").value, procedure_code: $("l-code").value.trim() }).then(function (w) {
      say("Đã thêm từ «" + w.term + "» cho thủ tục " + w.procedure_code + "; tìm kiếm dùng ngay.");
      $("l-term").value = "";
      loadLexicon();
    }).catch(fail);
  });

  // ---- users ----

  function loadUsers() {
    api("GET", "/api/admin/users").then(function (users) {
      var body = $("user-table").querySelector("tbody");
      clear(body);
      users.forEach(function (u) {
        body.appendChild(el("tr", {}, [
          el("td", { text: u.username }),
          el("td", { text: u.role_label || u.role }),
          el("td", { text: u.is_active ? "Đang hoạt động" : "Đã khóa" }),
          el("td", { text: when(u.last_login_at) }),
          el("td", {}, [u.username === me.username ? null : el("button", {
            type: "button", className: "button secondary small", text: u.is_active ? "Khóa" : "Mở khóa",
            "aria-label": (u.is_active ? "Khóa " : "Mở khóa ") + u.username,
            onclick: function () {
              api("PATCH", "/api/admin/users/" + encodeURIComponent(u.username), { is_active: !u.is_active }).then(loadUsers).catch(fail);
            },
          })]),
        ]));
      });
    }).catch(fail);
  }

  $("user-form").addEventListener("submit", function (event) {
    event.preventDefault();
    api("POST", "/api/admin/users", { username: $("u-name").value, password: $("u-password").value, role: $("u-role").value }).then(function (u) {
      say("Đã tạo tài khoản " + u.username + ".");
      $("u-name").value = "";
      $("u-password").value = "";
      loadUsers();
    }).catch(fail);
  });

  // ---- analytics ----

  function loadAnalytics() {
    var params = new URLSearchParams();
    if ($("s-from").value) params.set("from", $("s-from").value);
    if ($("s-to").value) params.set("to", $("s-to").value);
    var box = $("analytics");
    box.setAttribute("aria-busy", "true");
    say("Đang tải thống kê…");
    fetch("/api/admin/analytics/dashboard?" + params, { headers: { Authorization: "Bearer " + token } })
      .then(function (response) {
        if (response.status === 401) signOut("Phiên đăng nhập đã hết, vui lòng đăng nhập lại.");
        return response.text().then(function (body) {
          if (!response.ok) {
            var detail = "";
            try { detail = JSON.parse(body).detail; } catch (e) { detail = ""; }
            throw new Error(detail || "Lỗi " + response.status);
          }
          return body;
        });
      })
      .then(function (html) {
        box.innerHTML = html;  // rendered by our own template, every value escaped there
        say("Đã tải thống kê.");
      })
      .catch(fail)
      .then(function () { box.setAttribute("aria-busy", "false"); });
  }

  $("analytics-filters").addEventListener("submit", function (event) { event.preventDefault(); loadAnalytics(); });

  // The CSV needs the token: fetched, then saved through an object URL.
  $("analytics").addEventListener("click", function (event) {
    var link = event.target.closest("#analytics-csv");
    if (link) {
      event.preventDefault();
      fetch(link.getAttribute("href"), { headers: { Authorization: "Bearer " + token } }).then(function (response) {
        if (!response.ok) throw new Error("Không tải được tệp CSV (lỗi " + response.status + ").");
        return response.blob();
      }).then(function (blob) {
        var url = URL.createObjectURL(blob);
        var save = el("a", { href: url, download: link.getAttribute("download") });
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
        say("Đã tải tệp " + link.getAttribute("download") + ".");
      }).catch(fail);
      return;
    }
    var open = event.target.closest("[data-open-procedure]");
    if (open) {
      var code = open.form.elements.procedure_code.value.trim();
      if (!code) { say("Hãy nhập mã thủ tục.", true); open.form.elements.procedure_code.focus(); return; }
      show("catalog");
      openEditor(code);
    }
  });

  $("analytics").addEventListener("submit", function (event) {
    var form = event.target.closest(".gap-form");
    if (!form) return;
    event.preventDefault();
    var term = form.elements.term.value;
    var code = form.elements.procedure_code.value.trim();
    var result = form.parentNode.querySelector(".gap-result");
    api("POST", "/api/admin/lexicon", { term: term, procedure_code: code }).then(function (w) {
      var done = "Đã thêm từ «" + w.term + "» cho thủ tục " + w.procedure_code + "; tìm kiếm dùng ngay.";
      say(done);
      result.className = "gap-result notice ok";
      result.textContent = done;
    }).catch(function (error) {
      fail(error);
      result.className = "gap-result notice error";
      result.textContent = error.message;
    });
  });

  if (token) start(); else signOut();
})();
