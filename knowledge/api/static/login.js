/* Staff sign-in: the OAuth2 password flow (POST /api/auth/token, form fields), then the console.
 *
 * The access token is kept in sessionStorage (this tab only, gone when it closes) and sent as
 * "Authorization: Bearer …" by the console's scripts. A browser never attaches that header by
 * itself, so a page on another site cannot make requests with the agent's rights: there is no
 * ambient credential (no cookie) for a cross-site request forgery to ride on.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "tthc.console.token";
  var form = document.getElementById("login");
  var error = document.getElementById("login-error");

  function next() {
    var target = new URLSearchParams(location.search).get("next") || "/tra-cuu";
    // Only a path of this site: never an open redirect to another origin.
    return /^\/(?!\/)/.test(target) ? target : "/tra-cuu";
  }

  function fail(text) {
    error.textContent = text;
    error.hidden = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var username = form.elements.username.value.trim();
    var password = form.elements.password.value;
    if (!username || !password) {
      fail("Vui lòng nhập tên đăng nhập và mật khẩu.");
      (username ? form.elements.password : form.elements.username).focus();
      return;
    }
    var button = form.querySelector("button");
    button.disabled = true;
    error.hidden = true;
    fetch("/api/auth/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams({ username: username, password: password, grant_type: "password" }).toString(),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok && body.access_token) {
          sessionStorage.setItem(TOKEN_KEY, body.access_token);
          location.assign(next());
          return;
        }
        if (response.status === 429) fail("Đăng nhập sai quá nhiều lần. Vui lòng chờ vài phút rồi thử lại.");
        else if (response.status === 401 || response.status === 400) fail(typeof body.detail === "string" ? body.detail : "Sai tên đăng nhập hoặc mật khẩu.");
        else fail("Máy chủ đang bận (" + response.status + "). Vui lòng thử lại.");
        form.elements.password.value = "";
        form.elements.password.focus();
      });
    }, function () {
      fail("Không kết nối được máy chủ. Vui lòng kiểm tra mạng.");
    }).then(function () {
      button.disabled = false;
    });
  });
})();
