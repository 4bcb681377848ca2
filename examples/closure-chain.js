// A closure chain: each new `current` keeps the previous one alive through a closure that
// shares its scope, so the chain grows by one big link every tick.
'use strict';

let current = null;

function replace() {
  const previous = current;
  const unused = function () {
    if (previous) return 'was here';
  };
  current = {
    payload: new Array(10_000).fill('link'),
    describe() {
      return unused.name;
    },
  };
}

setInterval(replace, 10);
