// Passkeys: ask the server for options, let the browser make or use the passkey, post its
// answer in the page's own form. Without this script the pages work with an app's codes.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i += 1) {
      raw += String.fromCharCode(bytes[i]);
    }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function ids(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: toBytes(item.id) });
    });
  }

  function options(url, form) {
    var body = new FormData();
    body.append("csrf_token", form.querySelector("[name=csrf_token]").value);
    return fetch(url, { method: "POST", body: body, credentials: "same-origin" }).then(
      function (response) {
        if (!response.ok) {
          throw new Error("options");
        }
        return response.json();
      }
    );
  }

  function answer(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      out.response.userHandle = response.userHandle ? toText(response.userHandle) : null;
    }
    return JSON.stringify(out);
  }

  var adding = document.getElementById("passkey-add");
  if (adding) {
    var addForm = adding.querySelector("form");
    addForm.hidden = false;
    addForm.querySelector("[data-passkey=add]").addEventListener("click", function () {
      options(adding.dataset.options, addForm)
        .then(function (publicKey) {
          publicKey.challenge = toBytes(publicKey.challenge);
          publicKey.user.id = toBytes(publicKey.user.id);
          publicKey.excludeCredentials = ids(publicKey.excludeCredentials);
          return navigator.credentials.create({ publicKey: publicKey });
        })
        .then(function (credential) {
          addForm.querySelector("[name=credential]").value = answer(credential);
          addForm.submit();
        })
        .catch(function () {
          addForm.querySelector("[name=credential]").value = "";
          addForm.submit();
        });
    });
  }

  var login = document.getElementById("passkey-login");
  if (login) {
    var loginForm = login.querySelector("form");
    loginForm.querySelector("[data-passkey=login]").addEventListener("click", function () {
      options(login.dataset.options, loginForm)
        .then(function (publicKey) {
          publicKey.challenge = toBytes(publicKey.challenge);
          publicKey.allowCredentials = ids(publicKey.allowCredentials);
          return navigator.credentials.get({ publicKey: publicKey });
        })
        .then(function (credential) {
          loginForm.querySelector("[name=credential]").value = answer(credential);
          loginForm.submit();
        })
        .catch(function () {
          loginForm.submit();
        });
    });
  }
})();
