// The newsroom editor's live preview, autosave and presence (no inline script: the CSP is
// script-src 'self').
// A few seconds after typing stops, the form's fields go to the article's autosave as JSON,
// with the page's CSRF token in X-CSRF-Token. The saved version is never touched: only the
// Save button does that. Every 30 s a heartbeat says the editor is still open, and the answer
// names who else has the article open. Without this script the form works the same, minus
// autosave.
(function () {
  "use strict";
  var form = document.getElementById("editor");
  if (!form) return;

  // The live preview: the form as readers will see it, in a sandboxed iframe (no script runs
  // in it), fetched a moment after typing stops. Without this script the Preview button opens
  // the same page in a new tab.
  var frame = document.getElementById("live-preview");
  var panel = document.getElementById("live-preview-panel");
  if (frame && panel && form.dataset.preview) {
    panel.hidden = false;
    var previewTimer = null;
    var asked = 0;
    var refresh = function () {
      previewTimer = null;
      var mine = ++asked;
      fetch(form.dataset.preview, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(new FormData(form))
      }).then(function (res) { return res.text(); })
        .then(function (html) { if (mine === asked) frame.srcdoc = html; })
        .catch(function () {});
    };
    form.addEventListener("input", function () {
      if (previewTimer) clearTimeout(previewTimer);
      previewTimer = setTimeout(refresh, 800);
    });
    refresh();
  }

  if (!form.dataset.autosave) return;
  var status = document.getElementById("autosave-status");
  var presence = document.getElementById("presence");
  var csrf = form.querySelector("input[name=csrf]").value;
  var revision = parseInt(form.dataset.revision, 10) || 0;
  var timer = null;
  var DELAY = 3000;

  function say(text) { if (status) status.textContent = text; }

  function fields() {
    var v = function (name) { var el = form.elements[name]; return el ? el.value : ""; };
    var access = form.querySelector("input[name=access]:checked");
    return {
      headline: v("headline"), kicker: v("kicker"), standfirst: v("standfirst"), body: v("body"),
      section: v("section"), tags: v("tags"), authors: v("authors"), byline: v("byline"),
      access: access ? access.value : "", breaking: !!(form.elements.breaking && form.elements.breaking.checked),
      slug: v("slug"), seo_title: v("seo_title"), seo_description: v("seo_description")
    };
  }

  function showOthers(others) {
    if (!presence) return;
    presence.textContent = others && others.length
      ? "Also open by: " + others.join(", ") + ". Saving when someone else has saved first is refused, and nothing is lost."
      : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body ? JSON.stringify(body) : "{}"
    }).then(function (res) {
      return res.json().then(function (data) { return { ok: res.ok, data: data }; });
    });
  }

  function autosave() {
    timer = null;
    say("Keeping your changes…");
    post(form.dataset.autosave, { revision: revision, draft: fields() }).then(function (r) {
      if (!r.ok) { say("Not kept: " + (r.data.error || "please save")); return; }
      var at = new Date(r.data.saved_at);
      say("Changes kept at " + at.toLocaleTimeString() + " (not saved yet)." +
        (r.data.stale ? " Someone else has saved this article since you opened it: your Save will show both versions." : ""));
      showOthers(r.data.others);
    }).catch(function () { say("Could not reach the server; your text is still here. Save when you are back online."); });
  }

  form.addEventListener("input", function () {
    if (timer) clearTimeout(timer);
    timer = setTimeout(autosave, DELAY);
  });
  form.addEventListener("submit", function () { if (timer) clearTimeout(timer); });

  setInterval(function () {
    post(form.dataset.heartbeat).then(function (r) { if (r.ok) showOthers(r.data.others); }).catch(function () {});
  }, 30000);
})();
