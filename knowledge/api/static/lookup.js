/* The call-center agent's lookup: instant search, keyboard navigation, the procedure card.
 *
 * Everything from the API is put on the page with textContent or as attributes, never as
 * HTML, so catalog text cannot inject markup.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 180;
  var RESULT_LIMIT = 10;
  var CODE_RE = /^\d{1,2}\.\d{6}$/;

  var input = document.getElementById("q");
  var form = document.getElementById("search-form");
  var resultsEl = document.getElementById("results");
  var statusEl = document.getElementById("search-status");
  var cardEl = document.getElementById("card");
  var toast = document.getElementById("toast");

  var results = [];
  var active = -1;
  var debounceTimer = null;
  var searchSeq = 0;
  var searchController = null;
  var cardSeq = 0;
  var currentCode = null;
  var toastTimer = null;
  var shownQuery = null; // the query whose results are on screen
  var pendingQuery = null; // the query being searched
  var openWhenReady = false; // Enter was pressed before the results for the typed text came

  // ---- small DOM helpers ----

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "text") node.textContent = value;
        else if (key === "className") node.className = value;
        else node.setAttribute(key, value === true ? "" : value);
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function isHttpUrl(value) {
    return typeof value === "string" && /^https?:\/\//i.test(value.trim());
  }

  function blank(value) {
    return value === null || value === undefined || String(value).trim() === "";
  }

  function formatDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    return m ? m[3] + "/" + m[2] + "/" + m[1] : iso || "";
  }

  function cleanPaperName(name) {
    return String(name || "").replace(/^\s*[-–•+]\s*/, "").trim();
  }

  function apiError(response) {
    if (response.status === 429) {
      return Promise.reject({
        status: 429,
        message: "Tra cứu quá nhanh, máy chủ tạm giới hạn. Vui lòng chờ vài giây rồi thử lại.",
      });
    }
    return response.json().then(
      function (body) {
        var detail = body && typeof body.detail === "string" ? body.detail : null;
        throw { status: response.status, message: detail || "Lỗi máy chủ (" + response.status + ")." };
      },
      function () {
        throw { status: response.status, message: "Lỗi máy chủ (" + response.status + ")." };
      }
    );
  }

  function getJson(url, signal) {
    return fetch(url, { headers: { Accept: "application/json" }, signal: signal }).then(function (r) {
      return r.ok ? r.json() : apiError(r);
    });
  }

  function showToast(text) {
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.hidden = true; }, 2200);
  }

  // ---- search ----

  function setStatus(text, kind) {
    statusEl.textContent = text || "";
    statusEl.className = "search-status" + (kind ? " " + kind : "");
  }

  function renderResults() {
    clear(resultsEl);
    input.setAttribute("aria-expanded", results.length ? "true" : "false");
    results.forEach(function (hit, index) {
      var badge = null;
      if (hit.status === "abolished") badge = el("span", { className: "badge danger", text: "Đã bãi bỏ" });
      else if (hit.status === "amended") badge = el("span", { className: "badge warn", text: "Đã sửa đổi" });
      var item = el("li", {
        id: "result-" + index,
        className: "result" + (index === active ? " active" : "") + (hit.code === currentCode ? " current" : ""),
        role: "option",
        "aria-selected": index === active ? "true" : "false",
        "data-index": String(index),
      }, [
        el("span", { className: "result-name", text: hit.name }),
        el("span", { className: "result-meta" }, [
          el("span", { className: "code", text: hit.code }),
          hit.levels ? el("span", { text: hit.levels }) : null,
          badge,
        ]),
      ]);
      resultsEl.appendChild(item);
    });
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", "result-" + active);
      var activeEl = document.getElementById("result-" + active);
      if (activeEl && activeEl.scrollIntoView) activeEl.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  var panel = document.querySelector(".search-panel");
  var showAgain = el("button", { type: "button", className: "show-results", hidden: true });
  resultsEl.parentNode.insertBefore(showAgain, resultsEl);
  showAgain.addEventListener("click", function () { collapseResults(false); });

  /** On phones, fold the result list away while a card is read (CSS ignores it on desks). */
  function collapseResults(collapsed) {
    panel.classList.toggle("collapsed", collapsed && results.length > 0);
    showAgain.hidden = !(collapsed && results.length > 0);
    showAgain.textContent = "Hiện lại " + results.length + " kết quả";
  }

  function resetResults() {
    results = [];
    active = -1;
    renderResults();
  }

  function runSearch(query) {
    var seq = ++searchSeq;
    clearTimeout(debounceTimer);
    pendingQuery = query;
    if (searchController) searchController.abort();
    searchController = typeof AbortController === "function" ? new AbortController() : null;
    var signal = searchController ? searchController.signal : undefined;
    setStatus("Đang tìm…", "busy");

    var request;
    if (CODE_RE.test(query)) {
      // A procedure code: open it directly rather than ranking words.
      request = getJson("/api/procedures/" + encodeURIComponent(query), signal).then(function (card) {
        return [{ code: card.code, name: card.name, levels: card.levels, status: card.status }];
      }, function (err) {
        if (err && err.status === 404) return [];
        throw err;
      });
    } else {
      var url = "/api/procedures/search?q=" + encodeURIComponent(query) + "&limit=" + RESULT_LIMIT;
      request = getJson(url, signal).then(function (body) { return body.results || []; });
    }

    request.then(function (hits) {
      if (seq !== searchSeq) return;
      pendingQuery = null;
      shownQuery = query;
      results = hits;
      active = hits.length ? 0 : -1;
      renderResults();
      if (hits.length) setStatus(hits.length + " kết quả");
      else setStatus("Không tìm thấy thủ tục phù hợp với “" + query + "”. Thử từ khóa khác.", "empty");
      if (openWhenReady) {
        openWhenReady = false;
        openActive();
      }
    }).catch(function (err) {
      if (seq !== searchSeq || (err && err.name === "AbortError")) return;
      pendingQuery = null;
      shownQuery = null;
      openWhenReady = false;
      resetResults();
      if (err && err.message && err.status) setStatus(err.message, "error");
      else setStatus("Không kết nối được máy chủ tra cứu. Vui lòng thử lại.", "error");
    });
  }

  function scheduleSearch() {
    clearTimeout(debounceTimer);
    openWhenReady = false;
    var query = input.value.trim();
    if (!query) {
      // Nothing typed: no request, no message.
      searchSeq++;
      pendingQuery = null;
      shownQuery = null;
      if (searchController) searchController.abort();
      resetResults();
      setStatus("");
      return;
    }
    debounceTimer = setTimeout(function () { runSearch(query); }, DEBOUNCE_MS);
  }

  function move(delta) {
    if (!results.length) return;
    active = (active + delta + results.length) % results.length;
    renderResults();
  }

  function openActive() {
    var hit = results[active >= 0 ? active : 0];
    if (hit) openCode(hit.code, true);
  }

  input.addEventListener("input", function () {
    collapseResults(false);
    scheduleSearch();
  });

  input.addEventListener("keydown", function (event) {
    if (event.isComposing || event.keyCode === 229) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      collapseResults(false);
      move(1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      move(-1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      var query = input.value.trim();
      if (!query) return;
      if (query !== shownQuery) {
        // Enter before the results of the typed text arrived: open the first hit when they do.
        openWhenReady = true;
        if (query !== pendingQuery) runSearch(query);
        return;
      }
      openActive();
    } else if (event.key === "Escape") {
      event.preventDefault();
      input.value = "";
      scheduleSearch();
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });

  resultsEl.addEventListener("mousedown", function (event) {
    // Keep focus in the search box so the keyboard keeps working after a click.
    if (event.target.closest(".result")) event.preventDefault();
  });

  resultsEl.addEventListener("click", function (event) {
    var item = event.target.closest(".result");
    if (!item) return;
    active = Number(item.getAttribute("data-index"));
    openActive();
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA");
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      input.focus();
      input.select();
    }
  });

  // ---- the card ----

  function openCode(code, push) {
    var seq = ++cardSeq;
    currentCode = code;
    renderResults();
    cardEl.setAttribute("aria-busy", "true");
    var base = "/api/procedures/" + encodeURIComponent(code);
    Promise.all([getJson(base), getJson(base + "/summary")]).then(function (both) {
      var card = both[0];
      if (seq !== cardSeq) return;
      renderCard(card, both[1]);
      if (push) history.pushState({ code: card.code }, "", "/tra-cuu/" + encodeURIComponent(card.code));
      collapseResults(true);
      document.title = card.code + " · " + card.name + " — Tra cứu thủ tục hành chính";
      if (window.matchMedia && window.matchMedia("(max-width: 899px)").matches) {
        cardEl.scrollIntoView({ block: "start" });
      }
    }).catch(function (err) {
      if (seq !== cardSeq) return;
      renderError(err && err.message ? err.message : "Không kết nối được máy chủ tra cứu. Vui lòng thử lại.");
    }).then(function () {
      cardEl.removeAttribute("aria-busy");
    });
  }

  function renderError(message) {
    clear(cardEl);
    cardEl.appendChild(el("div", { className: "notice error", role: "alert", text: message }));
  }

  // An amended procedure's note (what changed, since when) is the server's, as the bot says it.
  function statusBanner(card, summary) {
    if (!card.status || card.status === "in_force") return null;
    var abolished = card.status === "abolished";
    if (!abolished && summary && summary.status_note) {
      var lines = summary.status_note.split("\n");
      var note = [el("strong", { text: lines[0] })];
      if (lines.length > 1) {
        note.push(el("ul", { className: "amendments" }, lines.slice(1).map(function (line) {
          return el("li", { text: line.replace(/^- /, "") });
        })));
      }
      return el("div", { className: "notice warn", role: "alert" }, note);
    }
    var text = abolished ? "Thủ tục này đã bị bãi bỏ" : "Thủ tục này đã được sửa đổi, bổ sung";
    if (card.status_decision) text += " theo Quyết định " + card.status_decision;
    if (card.status_date) text += " ngày " + formatDate(card.status_date);
    text += ".";
    var children = [el("strong", { text: text })];
    if (card.replaced_by_code) {
      children.push(" Thay thế bằng thủ tục mã ");
      var link = el("a", {
        href: "/tra-cuu/" + encodeURIComponent(card.replaced_by_code),
        className: "replacement",
        text: card.replaced_by_code,
      });
      link.addEventListener("click", function (event) {
        event.preventDefault();
        openCode(card.replaced_by_code, true);
      });
      children.push(link, ".");
    } else if (abolished) {
      children.push(" Không hướng dẫn người dân làm theo thủ tục này.");
    } else {
      children.push(" Kiểm tra nội dung mới trên trang quốc gia trước khi trả lời.");
    }
    return el("div", { className: "notice " + (abolished ? "error" : "warn"), role: "alert" }, children);
  }

  function section(id, title, content) {
    return el("section", { className: "card-section", id: id, "aria-labelledby": id + "-title" }, [
      el("h3", { id: id + "-title", text: title }),
      content,
    ]);
  }

  function missing() {
    return el("p", { className: "missing", text: "Chưa có thông tin." });
  }

  function textBlock(text) {
    if (blank(text)) return missing();
    var wrap = el("div", { className: "text-block" });
    String(text).split(/\n+/).forEach(function (line) {
      if (line.trim()) wrap.appendChild(el("p", { text: line.trim() }));
    });
    return wrap;
  }

  // Time and fee come as the server renders them for the bot (GET …/summary), never re-read here.
  function channelsTable(channels, summary) {
    if (!channels || !channels.length) return missing();
    var told = (summary && summary.channels) || [];
    var described = channels.some(function (c) { return !blank(c.description); });
    var rows = channels.map(function (c, i) {
      var said = told[i] || {};
      return el("tr", null, [
        el("th", { scope: "row", "data-label": "Hình thức nộp", text: c.channel_label || c.channel }),
        el("td", { "data-label": "Thời hạn giải quyết", className: "time", text: said.time || "—" }),
        el("td", { "data-label": "Phí, lệ phí", className: "fee" }, [
          said.fee || "—",
          blank(said.fee_note) ? null : el("span", { className: "muted fee-note", text: " (" + said.fee_note + ")" }),
        ]),
        described ? el("td", {
          "data-label": "Mô tả", className: blank(c.description) ? "empty" : "", text: c.description || "",
        }) : null,
      ]);
    });
    return el("div", { className: "table-wrap" }, [
      el("table", { className: "channels" }, [
        el("thead", null, [el("tr", null, [
          el("th", { scope: "col", text: "Hình thức nộp" }),
          el("th", { scope: "col", text: "Thời hạn giải quyết" }),
          el("th", { scope: "col", text: "Phí, lệ phí" }),
          described ? el("th", { scope: "col", text: "Mô tả" }) : null,
        ])]),
        el("tbody", null, rows),
      ]),
    ]);
  }

  function papersList(papers) {
    if (!papers || !papers.length) return missing();
    var wrap = el("div", { className: "papers" });
    var groups = [];
    var byGroup = {};
    papers.forEach(function (p) {
      var group = p.group || "Giấy tờ";
      if (!byGroup[group]) {
        byGroup[group] = [];
        groups.push(group);
      }
      byGroup[group].push(p);
    });
    groups.forEach(function (group) {
      var ol = el("ol", null, byGroup[group].map(function (p) {
        var meta = [];
        if (!blank(p.copies)) meta.push(el("span", { className: "badge", text: p.copies }));
        if (isHttpUrl(p.template)) {
          meta.push(el("a", { href: p.template.trim(), target: "_blank", rel: "noopener noreferrer", text: "Mẫu đơn" }));
        } else if (!blank(p.template)) {
          meta.push(el("span", { className: "template", text: "Mẫu: " + p.template }));
        }
        return el("li", null, [
          el("span", { text: cleanPaperName(p.name) }),
          meta.length ? el("span", { className: "paper-meta" }, meta) : null,
        ]);
      }));
      wrap.appendChild(el("h4", { text: group + " (" + byGroup[group].length + ")" }));
      wrap.appendChild(ol);
    });
    return wrap;
  }

  function definitionList(pairs) {
    var present = pairs.filter(function (pair) { return !blank(pair[1]); });
    if (!present.length) return missing();
    var dl = el("dl", { className: "facts" });
    present.forEach(function (pair) {
      dl.appendChild(el("dt", { text: pair[0] }));
      dl.appendChild(el("dd", { text: pair[1] }));
    });
    return dl;
  }

  function simpleList(items) {
    var present = (items || []).filter(function (item) { return !blank(item); });
    if (!present.length) return missing();
    return el("ul", { className: "plain-list" }, present.map(function (item) {
      return el("li", { text: item });
    }));
  }

  function legalList(docs) {
    if (!docs || !docs.length) return missing();
    return el("ul", { className: "plain-list legal" }, docs.map(function (d) {
      return el("li", null, [el("strong", { text: d.number }), d.title ? " — " + d.title : ""]);
    }));
  }

  var SECTIONS = [
    ["sec-fees", "Thời hạn & lệ phí"],
    ["sec-papers", "Hồ sơ"],
    ["sec-agency", "Cơ quan"],
    ["sec-steps", "Trình tự"],
    ["sec-conditions", "Điều kiện"],
    ["sec-results", "Kết quả"],
    ["sec-legal", "Căn cứ pháp lý"],
  ];

  function renderCard(card, summary) {
    clear(cardEl);
    var copyButton = el("button", { type: "button", className: "button", id: "copy-summary", text: "Sao chép tóm tắt" });
    copyButton.addEventListener("click", function () { copySummary(card, summary); });

    var actions = [copyButton];
    if (isHttpUrl(card.detail_url)) {
      actions.push(el("a", {
        className: "button secondary",
        href: card.detail_url.trim(),
        target: "_blank",
        rel: "noopener noreferrer",
        text: "Trang quốc gia ↗",
      }));
    }

    var meta = el("p", { className: "card-meta" }, [
      el("span", { className: "code-line" }, ["Mã thủ tục: ", el("strong", { text: card.code })]),
      card.levels ? el("span", { className: "badge", text: card.levels }) : null,
      card.field ? el("span", { className: "badge", text: card.field }) : null,
      card.decision_number ? el("span", { className: "muted", text: "QĐ công bố " + card.decision_number }) : null,
    ]);

    var nav = el("nav", { className: "section-nav", "aria-label": "Các phần của thủ tục" },
      SECTIONS.map(function (s) { return el("a", { href: "#" + s[0], text: s[1] }); }));

    var article = el("article", { className: "procedure", "data-code": card.code }, [
      statusBanner(card, summary),
      el("header", { className: "card-head" }, [
        el("h2", { id: "card-title", text: card.name }),
        meta,
        el("div", { className: "card-actions" }, actions),
      ]),
      nav,
      section("sec-fees", "Thời hạn giải quyết và phí, lệ phí", channelsTable(card.channels, summary)),
      section("sec-papers", "Thành phần hồ sơ", papersList(card.papers)),
      section("sec-agency", "Cơ quan và nơi tiếp nhận", definitionList([
        ["Cơ quan có thẩm quyền", card.competent_agency],
        ["Cơ quan thực hiện", card.implementing_agency],
        ["Địa chỉ tiếp nhận", card.receiving_address],
        ["Đối tượng thực hiện", card.target_subjects],
      ])),
      section("sec-steps", "Trình tự thực hiện", textBlock(card.steps)),
      section("sec-conditions", "Yêu cầu, điều kiện", textBlock(card.conditions)),
      section("sec-results", "Kết quả thực hiện", simpleList(card.results)),
      section("sec-legal", "Căn cứ pháp lý", legalList(card.legal_documents)),
    ]);
    cardEl.appendChild(article);
  }

  // ---- the summary an agent reads out on the phone (rendered by the server) ----

  function copyWithTextarea(text) {
    var area = el("textarea", { readonly: true, className: "offscreen" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  function copySummary(card, summary) {
    var text = summary.text;
    var article = cardEl.querySelector(".procedure");
    if (article) article.setAttribute("data-summary", text);
    var done = function () { showToast("Đã sao chép tóm tắt thủ tục " + card.code + "."); };
    var failed = function () {
      if (copyWithTextarea(text)) done();
      else showToast("Không sao chép được; hãy chọn và sao chép thủ công.");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, failed);
    } else {
      failed();
    }
  }

  // ---- start: a card embedded by the server (/tra-cuu/<code>), and back/forward ----

  window.addEventListener("popstate", function () {
    var m = /^\/tra-cuu\/([^/]+)$/.exec(location.pathname);
    if (m) {
      openCode(decodeURIComponent(m[1]), false);
    } else {
      currentCode = null;
      clear(cardEl);
      renderResults();
    }
  });

  var embedded = document.getElementById("card-data");
  if (embedded) {
    try {
      var data = JSON.parse(embedded.textContent);
      currentCode = data.card.code;
      renderCard(data.card, data.summary);
      history.replaceState({ code: data.card.code }, "", location.pathname);
    } catch (e) {
      renderError("Không đọc được dữ liệu thủ tục.");
    }
  }

  var initialQuery = new URLSearchParams(location.search).get("q");
  if (initialQuery) {
    input.value = initialQuery.slice(0, 200);
    scheduleSearch();
  }
})();
