/* The citizen chat: posts messages to the Rasa REST channel and renders its answers.
 *
 * Bot text is never parsed as HTML: it is split into text nodes and <a> elements for
 * http(s) URLs, so markup in an answer shows as written and cannot run.
 */
(function () {
  "use strict";

  var MAX_CHARS = 1000;
  var TIMEOUT_MS = 20000;
  var SENDER_KEY = "tthc.chat.sender";
  var HISTORY_KEY = "tthc.chat.history";
  var HISTORY_LIMIT = 60;
  var URL_RE = /https?:\/\/[^\s<>"'`]+/gi;

  var body = document.body;
  var webhookUrl = body.getAttribute("data-webhook-url");
  var hotline = body.getAttribute("data-hotline") || "";
  var list = document.getElementById("messages");
  var typing = document.getElementById("typing");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var sendButton = document.getElementById("send");
  var counter = document.getElementById("counter");
  var suggestions = document.getElementById("suggestions");
  var restartButton = document.getElementById("restart");

  var pending = false;
  var memorySender = null;
  var history = [];

  // ---- sender id: random, kept in localStorage so the bot remembers the conversation ----

  function randomId() {
    var bytes = new Uint8Array(16);
    var cryptoObj = window.crypto || window.msCrypto;
    if (cryptoObj && cryptoObj.getRandomValues) {
      cryptoObj.getRandomValues(bytes);
    } else {
      for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    var hex = "";
    for (var j = 0; j < bytes.length; j++) hex += ("0" + bytes[j].toString(16)).slice(-2);
    return "web-" + hex;
  }

  function senderId(renew) {
    try {
      var id = renew ? null : window.localStorage.getItem(SENDER_KEY);
      if (!id || !/^[A-Za-z0-9_-]{8,80}$/.test(id)) {
        id = randomId();
        window.localStorage.setItem(SENDER_KEY, id);
      }
      return id;
    } catch (e) {
      // Storage refused (private mode): keep one id for this page's life.
      if (!memorySender || renew) memorySender = randomId();
      return memorySender;
    }
  }

  // ---- rendering ----

  function trimUrl(url) {
    // Punctuation ending a sentence is not part of the link.
    var trailing = /[.,;:!?)\]}»”]+$/;
    var match = url.match(trailing);
    if (!match) return [url, ""];
    var cut = url.slice(0, url.length - match[0].length);
    // Keep a closing parenthesis that closes one opened inside the URL.
    if (match[0].charAt(0) === ")" && cut.indexOf("(") !== -1) {
      return [cut + ")", match[0].slice(1)];
    }
    return [cut, match[0]];
  }

  /** Append text to el, turning http(s) URLs into links; everything else stays text. */
  function appendLinkified(el, text) {
    var last = 0;
    var match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(text)) !== null) {
      var parts = trimUrl(match[0]);
      if (match.index > last) el.appendChild(document.createTextNode(text.slice(last, match.index)));
      var a = document.createElement("a");
      a.href = parts[0];
      a.textContent = parts[0];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      el.appendChild(a);
      if (parts[1]) el.appendChild(document.createTextNode(parts[1]));
      last = match.index + match[0].length;
    }
    if (last < text.length) el.appendChild(document.createTextNode(text.slice(last)));
  }

  function insert(node) {
    list.insertBefore(node, typing);
    list.scrollTop = list.scrollHeight;
  }

  function addBubble(role, text) {
    var div = document.createElement("div");
    div.className = "msg " + role;
    appendLinkified(div, String(text));
    insert(div);
    return div;
  }

  function addButtons(buttons, disabled) {
    var group = document.createElement("div");
    group.className = "quick-replies";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Lựa chọn nhanh");
    buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "quick-reply";
      button.textContent = b.title;
      button.disabled = !!disabled;
      button.addEventListener("click", function () {
        if (pending) return;
        Array.prototype.forEach.call(group.querySelectorAll("button"), function (other) {
          other.disabled = true;
        });
        button.classList.add("chosen");
        send(b.payload, b.title);
      });
      group.appendChild(button);
    });
    insert(group);
  }

  function addError(retryText) {
    var div = document.createElement("div");
    div.className = "msg error";
    div.setAttribute("role", "alert");
    div.appendChild(document.createTextNode(
      "Trợ lý tạm thời không phản hồi, vui lòng gọi tổng đài "));
    var a = document.createElement("a");
    a.href = "tel:" + hotline.replace(/[^0-9+]/g, "");
    a.textContent = hotline;
    div.appendChild(a);
    div.appendChild(document.createTextNode("."));
    if (retryText) {
      div.appendChild(document.createElement("br"));
      var retry = document.createElement("button");
      retry.type = "button";
      retry.className = "retry";
      retry.textContent = "Thử lại";
      retry.addEventListener("click", function () {
        if (pending) return;
        div.parentNode.removeChild(div);
        send(retryText.message, retryText.shown, true);
      });
      div.appendChild(retry);
    }
    insert(div);
  }

  function normaliseButtons(raw) {
    if (!Array.isArray(raw)) return [];
    return raw
      .filter(function (b) { return b && typeof b.title === "string" && b.title.trim(); })
      .map(function (b) {
        var payload = typeof b.payload === "string" && b.payload ? b.payload : b.title;
        return { title: b.title, payload: payload };
      });
  }

  function renderReplies(replies) {
    var shown = 0;
    replies.forEach(function (reply) {
      if (!reply || typeof reply !== "object") return;
      if (typeof reply.text === "string" && reply.text.trim()) {
        addBubble("bot", reply.text);
        remember({ role: "bot", text: reply.text });
        shown++;
      }
      var buttons = normaliseButtons(reply.buttons);
      if (buttons.length) {
        addButtons(buttons, false);
        remember({ role: "buttons", buttons: buttons });
        shown++;
      }
    });
    if (!shown) {
      var text = "Xin lỗi, trợ lý chưa có câu trả lời cho câu hỏi này. Bạn hãy hỏi cách khác " +
        "hoặc gọi tổng đài " + hotline + ".";
      addBubble("bot", text);
      remember({ role: "bot", text: text });
    }
  }

  // ---- history of this tab, so a reload does not wipe the conversation ----

  function remember(entry) {
    history.push(entry);
    if (history.length > HISTORY_LIMIT) history = history.slice(-HISTORY_LIMIT);
    try {
      window.sessionStorage.setItem(HISTORY_KEY, JSON.stringify(history));
    } catch (e) { /* storage full or refused: the conversation just won't survive a reload */ }
  }

  function restoreHistory() {
    var saved;
    try {
      saved = JSON.parse(window.sessionStorage.getItem(HISTORY_KEY) || "[]");
    } catch (e) {
      saved = [];
    }
    if (!Array.isArray(saved)) return;
    saved.forEach(function (entry) {
      if (!entry) return;
      if ((entry.role === "user" || entry.role === "bot") && typeof entry.text === "string") {
        addBubble(entry.role, entry.text);
        history.push(entry);
      } else if (entry.role === "buttons") {
        var buttons = normaliseButtons(entry.buttons);
        if (buttons.length) {
          addButtons(buttons, true);
          history.push({ role: "buttons", buttons: buttons });
        }
      }
    });
  }

  // ---- sending ----

  function setBusy(busy) {
    pending = busy;
    typing.hidden = !busy;
    sendButton.disabled = busy;
    if (busy) list.scrollTop = list.scrollHeight;
  }

  /**
   * Send `message` to the bot and show `shown` (a button's title) or the message itself.
   * `isRetry` skips echoing the user's bubble again.
   */
  function send(message, shown, isRetry) {
    var text = String(message || "").trim().slice(0, MAX_CHARS);
    if (!text || pending) return;
    var label = String(shown || text);
    if (!isRetry) {
      addBubble("user", label);
      remember({ role: "user", text: label });
    }
    setBusy(true);

    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, TIMEOUT_MS);
    fetch(webhookUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: senderId(false), message: text }),
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        clearTimeout(timer);
        setBusy(false);
        renderReplies(Array.isArray(data) ? data : []);
      })
      .catch(function () {
        clearTimeout(timer);
        setBusy(false);
        addError({ message: text, shown: label });
      });
  }

  function updateCounter() {
    var left = MAX_CHARS - input.value.length;
    if (left <= 100) {
      counter.hidden = false;
      counter.textContent = "Còn " + left + " ký tự";
    } else {
      counter.hidden = true;
    }
  }

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 128) + "px";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) {
      input.value = "";
      input.focus();
      return;
    }
    if (pending) return;
    send(text);
    input.value = "";
    autoGrow();
    updateCounter();
  });

  input.addEventListener("keydown", function (event) {
    // Enter sends, Shift+Enter breaks the line; never while an IME (Telex, VNI) is composing.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  input.addEventListener("input", function () {
    autoGrow();
    updateCounter();
  });

  suggestions.addEventListener("click", function (event) {
    var chip = event.target.closest(".chip");
    if (chip) send(chip.getAttribute("data-text"));
  });

  restartButton.addEventListener("click", function () {
    if (pending) return;
    senderId(true);
    history = [];
    try { window.sessionStorage.removeItem(HISTORY_KEY); } catch (e) { /* ignore */ }
    Array.prototype.slice.call(list.children).forEach(function (child) {
      if (!child.classList.contains("greeting") && child !== suggestions && child !== typing) {
        list.removeChild(child);
      }
    });
    input.focus();
  });

  restoreHistory();
  senderId(false);
})();
