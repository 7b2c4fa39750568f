// Seeded random texts for the tokenizer corpora: a fixed LCG, so a generator re-run writes
// the same file.

// `count` texts, each 1-14 fragments drawn from `pool`.
export function randomMixes(count, seed, pool) {
  let state = seed >>> 0;
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
  const out = [];
  for (let i = 0; i < count; i++) {
    let t = "";
    const n = 1 + Math.floor(next() * 14);
    for (let k = 0; k < n; k++) t += pool[Math.floor(next() * pool.length)];
    out.push(t);
  }
  return out;
}
