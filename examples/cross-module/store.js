// The session store: a Map declared and exported here, filled by handler.js, never emptied.
// The variable lives in this module; the line that makes it grow is in another.
'use strict';

const sessions = new Map();

module.exports = { sessions };
