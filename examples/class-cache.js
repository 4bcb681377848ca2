// A cache on an instance: PriceService memoises every quote in `this.cache` and never evicts,
// and the one service lives as long as the module, so every sku ever quoted stays.
'use strict';

class PriceService {
  constructor() {
    this.cache = new Map();
  }

  quote(sku) {
    const key = `price:${sku}`;
    if (!this.cache.has(key)) {
      this.cache.set(key, { sku, price: (sku % 997) * 1.07, tiers: new Array(24).fill(sku) });
    }
    return this.cache.get(key).price;
  }
}

const prices = new PriceService();
let next = 0;
setInterval(() => {
  for (let i = 0; i < 100; i++) prices.quote(next++);
}, 50);
