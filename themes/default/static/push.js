// The breaking-news opt-in (templates/push/_optin.html): asks the browser for permission only
// after the reader clicks, subscribes with the site's VAPID key, and sends the subscription and
// topics to /push/subscriptions. Does nothing (the box stays hidden) where the Push API is
// missing or notifications were refused. No inline script: the page's CSP allows 'self' only.
(function () {
  'use strict';
  var box = document.getElementById('push-optin');
  if (!box || !window.isSecureContext || !('serviceWorker' in navigator) ||
      !('PushManager' in window) || !('Notification' in window)) {
    return;
  }
  if (Notification.permission === 'denied') return;

  var SW = '/static/push-sw.js';
  var SCOPE = '/static/';
  var TOPICS = 'mh_push_topics';
  var ask = box.querySelector('.push-optin-ask');
  var done = box.querySelector('.push-optin-done');
  var errorLine = box.querySelector('.push-error');
  var boxes = box.querySelectorAll('input[name="push-topic"]');

  function chosen() {
    return Array.prototype.filter.call(boxes, function (b) { return b.checked; })
      .map(function (b) { return b.value; });
  }

  function show(state) {
    box.dataset.state = state;
    done.hidden = state !== 'subscribed';
    ask.querySelector('.push-subscribe').hidden = state === 'subscribed';
    box.hidden = false;
  }

  function fail(message) {
    errorLine.textContent = message;
    errorLine.hidden = false;
    box.dataset.error = message;
  }

  function clearError() {
    errorLine.hidden = true;
    errorLine.textContent = '';
  }

  function keyBytes(b64) {
    var s = b64.trim().replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var raw = atob(s);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  // The worker's registration once it is active (subscribing needs an active worker; the
  // page is outside the worker's scope, so navigator.serviceWorker.ready never resolves).
  function registration() {
    return navigator.serviceWorker.register(SW, { scope: SCOPE }).then(function (reg) {
      if (reg.active) return reg;
      var worker = reg.installing || reg.waiting;
      return new Promise(function (resolve) {
        worker.addEventListener('statechange', function () {
          if (worker.state === 'activated') resolve(reg);
        });
      });
    });
  }

  // The browser's push service may never answer (offline, blocked): say so rather than wait.
  function withTimeout(promise) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        reject(new Error('Your browser could not reach its notification service. Please try again later.'));
      }, 15000);
      promise.then(function (v) { clearTimeout(timer); resolve(v); },
        function (e) { clearTimeout(timer); reject(e); });
    });
  }

  function send(method, body) {
    return fetch('/push/subscriptions', {
      method: method,
      headers: { 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(body)
    }).then(function (res) {
      if (res.ok) return res;
      return res.json().catch(function () { return {}; }).then(function (j) {
        throw new Error(j.error || 'The site could not save your choice. Please try again.');
      });
    });
  }

  function save(subscription) {
    var topics = chosen();
    if (!topics.length) return Promise.reject(new Error('Choose at least one topic, or stop notifications.'));
    return send('POST', { subscription: subscription.toJSON(), topics: topics }).then(function () {
      try { localStorage.setItem(TOPICS, JSON.stringify(topics)); } catch (e) { /* private mode */ }
      show('subscribed');
    });
  }

  function subscribe() {
    clearError();
    var asked = Notification.permission === 'granted'
      ? Promise.resolve('granted')
      : Notification.requestPermission();
    asked.then(function (permission) {
      if (permission !== 'granted') {
        box.hidden = true; // refused: we do not ask again
        return;
      }
      box.dataset.state = 'subscribing';
      return Promise.all([registration(), fetch('/push/key').then(function (r) { return r.text(); })])
        .then(function (both) {
          var reg = both[0];
          return reg.pushManager.getSubscription().then(function (existing) {
            return existing || withTimeout(reg.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: keyBytes(both[1])
            }));
          });
        })
        .then(save);
    }).catch(function (e) {
      box.dataset.state = 'failed';
      fail((e && e.message) || 'Notifications could not be turned on in this browser.');
    });
  }

  function current() {
    return navigator.serviceWorker.getRegistration(SCOPE).then(function (reg) {
      return reg ? reg.pushManager.getSubscription() : null;
    });
  }

  box.querySelector('.push-subscribe').addEventListener('click', subscribe);
  box.querySelector('.push-save').addEventListener('click', function () {
    clearError();
    current().then(function (sub) { return sub ? save(sub) : subscribe(); })
      .catch(function (e) { fail(e.message); });
  });
  box.querySelector('.push-unsubscribe').addEventListener('click', function () {
    clearError();
    current().then(function (sub) {
      if (!sub) return null;
      var endpoint = sub.endpoint;
      return sub.unsubscribe().then(function () { return send('DELETE', { endpoint: endpoint }); });
    }).then(function () {
      try { localStorage.removeItem(TOPICS); } catch (e) { /* private mode */ }
      show('unsubscribed');
    }).catch(function (e) { fail(e.message); });
  });

  current().then(function (sub) {
    if (sub && Notification.permission === 'granted') {
      var saved = [];
      try { saved = JSON.parse(localStorage.getItem(TOPICS) || '[]'); } catch (e) { saved = []; }
      if (saved.length) {
        Array.prototype.forEach.call(boxes, function (b) { b.checked = saved.indexOf(b.value) >= 0; });
      }
      show('subscribed');
    } else {
      show('ready');
    }
  }).catch(function () { show('ready'); });
})();
