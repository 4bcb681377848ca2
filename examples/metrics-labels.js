// A metrics leak: a prom-client counter labelled by user id gets one time series per user,
// kept inside the counter for the life of the process (unbounded label cardinality).
'use strict';

const { Counter } = require('prom-client');

const requests = new Counter({
  name: 'http_requests_total',
  help: 'Requests served',
  labelNames: ['user', 'route'],
});

function handleRequest(id, route) {
  requests.inc({ user: `user-${id}`, route });
}

const routes = ['/cart', '/checkout', '/search', '/profile'];
let next = 0;
setInterval(() => {
  for (let i = 0; i < 200; i++) handleRequest(next++, routes[i % routes.length]);
}, 50);
