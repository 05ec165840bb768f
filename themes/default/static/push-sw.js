// The service worker for breaking-news notifications (registered by push.js, scope /static/).
// Shows each push (title, body, icon, the article's photo where the platform supports it),
// opens the article on click, and reports receipt and clicks to /push/receipts: anonymously
// (the alert's ID and the event only), so that the newsroom sees delivery times.
'use strict';

self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (event) { event.waitUntil(self.clients.claim()); });

function report(alert, event) {
  if (!alert) return Promise.resolve();
  return fetch('/push/receipts', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ alert: alert, event: event })
  }).catch(function () { /* offline: the count is a little low, nothing more */ });
}

self.addEventListener('push', function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var options = {
    body: data.body || '',
    tag: data.tag || undefined,
    data: { url: data.url || '/', alert: data.alert || null }
  };
  if (data.icon) options.icon = data.icon;
  if (data.image) options.image = data.image;
  event.waitUntil(Promise.all([
    self.registration.showNotification(data.title || 'Breaking news', options),
    report(data.alert, 'received')
  ]));
});

self.addEventListener('notificationclick', function (event) {
  event.notification.close();
  var data = event.notification.data || {};
  event.waitUntil(Promise.all([
    self.clients.openWindow(data.url || '/'),
    report(data.alert, 'clicked')
  ]));
});
