// Allocates a lot and keeps nothing: every batch is garbage as soon as it is summed.
// Memory goes up and down, but nothing grows: the right verdict is "no leak".
'use strict';

function buildReport(batch) {
  const rows = [];
  for (let i = 0; i < 2000; i++) {
    rows.push({ id: batch * 2000 + i, name: `row-${i}`, values: new Array(16).fill(i) });
  }
  return rows.reduce((sum, row) => sum + row.values.length, 0);
}

// A fixed-size summary is all that is kept between batches.
const stats = { batches: 0, values: 0 };
setInterval(() => {
  for (let k = 0; k < 10; k++) stats.values += buildReport(stats.batches++);
}, 20);
