// Request handling: every request stores a session in store.js's Map and none is removed.
// This file holds no collection of its own; it only feeds the one it imported.
'use strict';

const { sessions } = require('./store');

function handleRequest(id) {
  const session = { id, user: `user-${id}`, history: new Array(32).fill(id), openedAt: Date.now() };
  sessions.set(`session-${id}`, session);
  return session.user;
}

module.exports = { handleRequest };
