// Passkeys (WebAuthn) for newsroom staff: registering one on the profile page
// (#passkey-register) and signing in with one on the sign-in page (#passkey-sign-in).
// Loaded as a file (the Content-Security-Policy allows no inline script). Each form works the
// same way: ask the server for options (POST with the page's CSRF token), call the browser's
// navigator.credentials.create/get, put the credential (binary fields in base64url, as JSON)
// in the form's hidden "credential" field, and submit the form: the server's answer is an
// ordinary page. Without script, or without passkey support, the sign-in form stays hidden
// (the emailed link works) and the profile says that passkeys need JavaScript.
(function () {
  "use strict";

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromB64url(text) {
    var s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return bytes.buffer;
  }

  function credentialJson(cred) {
    var r = cred.response;
    var out = { id: cred.id, type: cred.type, response: { clientDataJSON: toB64url(r.clientDataJSON) } };
    if (r.attestationObject) out.response.attestationObject = toB64url(r.attestationObject);
    if (r.authenticatorData) out.response.authenticatorData = toB64url(r.authenticatorData);
    if (r.signature) out.response.signature = toB64url(r.signature);
    if (r.userHandle) out.response.userHandle = toB64url(r.userHandle);
    return JSON.stringify(out);
  }

  function fetchOptions(form) {
    var body = new URLSearchParams();
    body.set("csrf", form.elements.csrf.value);
    return fetch(form.dataset.options, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (res) {
      return res.json().then(function (json) {
        if (!res.ok) throw new Error((json.error && json.error.message) || "The server refused.");
        return json.publicKey;
      });
    });
  }

  function say(form, text) {
    var status = form.querySelector(".passkey-status");
    if (status) status.textContent = text;
    form.dataset.state = text ? "failed" : "";
  }

  function failure(err) {
    if (err && err.name === "NotAllowedError") return "The passkey request was cancelled or timed out. Try again when you are ready.";
    if (err && err.name === "InvalidStateError") return "This device already holds a passkey of yours for this site.";
    return (err && err.message) || "The passkey did not work. Try again, or sign in with an emailed link.";
  }

  var supported = !!(window.PublicKeyCredential && navigator.credentials);

  var register = document.getElementById("passkey-register");
  if (register) {
    var hint = register.querySelector(".passkey-noscript");
    if (supported && hint) hint.hidden = true;
    register.addEventListener("submit", function (event) {
      if (!supported || register.elements.credential.value) return;
      event.preventDefault();
      if (!register.reportValidity()) return;
      say(register, "");
      register.dataset.state = "pending";
      fetchOptions(register).then(function (o) {
        o.challenge = fromB64url(o.challenge);
        o.user.id = fromB64url(o.user.id);
        o.excludeCredentials = (o.excludeCredentials || []).map(function (c) {
          return { type: c.type, id: fromB64url(c.id) };
        });
        return navigator.credentials.create({ publicKey: o });
      }).then(function (cred) {
        register.elements.credential.value = credentialJson(cred);
        register.submit();
      }).catch(function (err) { say(register, failure(err)); });
    });
  }

  var signIn = document.getElementById("passkey-sign-in");
  if (signIn && supported) {
    signIn.hidden = false;
    signIn.addEventListener("submit", function (event) {
      if (signIn.elements.credential.value) return;
      event.preventDefault();
      say(signIn, "");
      signIn.dataset.state = "pending";
      fetchOptions(signIn).then(function (o) {
        o.challenge = fromB64url(o.challenge);
        o.allowCredentials = (o.allowCredentials || []).map(function (c) {
          return { type: c.type, id: fromB64url(c.id) };
        });
        return navigator.credentials.get({ publicKey: o });
      }).then(function (cred) {
        signIn.elements.credential.value = credentialJson(cred);
        signIn.submit();
      }).catch(function (err) { say(signIn, failure(err)); });
    });
  }
})();
