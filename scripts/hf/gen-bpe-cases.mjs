// gen-bpe-cases.mjs — the corpus for the byte-level BPE tokenizers (Llama 3, Qwen3): encodes
// and decodes a fixed list of texts plus seeded random mixes with the real Hugging Face
// tokenizer and writes tests/data/tokenizer_cases_<model>.json for tests/bpe_tokenizer_test.cpp.
//
// Two independent implementations must agree on every case or the script fails:
//  * npm `@huggingface/tokenizers` (tokenizers.js, pure JS: its regexes run on node's
//    Unicode tables, like engine/unicode_categories_data.h);
//  * npm `tokenizers`, the official Node binding of the Rust crate (Oniguruma regexes).
// The C++ tokenizer is never the source of its own expectations.
//
// Invalid UTF-8: a case given as bytes ("bytes_hex") is turned into the string HF sees with
// TextDecoder's replacement (each maximal ill-formed subsequence -> U+FFFD, the WHATWG rule,
// the same as engine/utf8.h); the C++ test encodes the raw bytes and must get the same ids.
//
// Usage (from the repo root):
//   (cd scripts/hf && npm install)
//   node scripts/hf/gen-bpe-cases.mjs [--models models] [--out-dir tests/data]
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { Tokenizer as JsTokenizer } from "@huggingface/tokenizers";
import { arg, repo, version } from "./paths.mjs";
import { randomMixes } from "./random-texts.mjs";

const require = createRequire(import.meta.url);
const { Tokenizer: RustTokenizer } = require("tokenizers");

const modelsDir = arg("--models", path.join(repo, "models"));
const outDir = arg("--out-dir", path.join(repo, "tests", "data"));

// ---- the corpus ---------------------------------------------------------------------------
const story =
  "Once upon a time, there was a little girl named Lily. She loved to play outside in the sunshine. " +
  "One day, she saw a big, red ball in the park. \"Can I play with it?\" she asked her mom.";
const code = [
  "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
  "for (int i = 0; i < n; ++i) {\n\tsum += a[i] * b[i];\n}\n",
  "#include <vector>\nstd::vector<int> v{1, 2, 3};  // 3 ints\n",
  "const x = await fetch(`/api/v1/users?id=${id}&limit=100`);",
  "SELECT name, COUNT(*) FROM users WHERE age >= 18 GROUP BY name;",
  "{\"key\": [1, 2.5, -3e10], \"nested\": {\"a\": null, \"b\": true}}",
  "    indented\n\t\ttabbed\n\n\n  \n",
  "x=>x**2;a&&b||!c;i++;--j;a!=b;a===b;",
  "https://example.com/path/to/file.html?query=1#anchor",
  "C:\\Users\\name\\Documents\\file.txt",
  "<div class=\"main\"><p>Hello</p></div>",
  "$ echo $HOME && ls -la | grep '^d' > out.txt 2>&1",
];
const multilingual = [
  "日本語のテキストです。漢字、ひらがな、カタカナ。",
  "中文测试：你好，世界！我们今天学习分词。",
  "한국어 텍스트: 안녕하세요, 세계!",
  "مرحبا بالعالم، هذا نص عربي.",
  "नमस्ते दुनिया, यह हिन्दी पाठ है।",
  "Привет, мир! Это русский текст.",
  "Γειά σου Κόσμε· ελληνικό κείμενο.",
  "naïve café résumé façade jalapeño Ångström",
  "Zürich, Kraków, São Paulo, Reykjavík, İstanbul",
  "ĲSSELMEER ǅ ǈ ǋ ß ẞ ŉ",
  "עברית: שלום עולם",
  "ภาษาไทย สวัสดีชาวโลก",
  "Tiếng Việt: Xin chào thế giới",
  "ქართული ენა",
  "Ελληνικά και English mixed 混合 text",
  "e\u0301 vs \u00e9, A\u030a vs \u00c5 vs \u212b",           // NFC pairs (Qwen3 normalizes)
  "\u1100\u1161\u11a8 \u1112\u1161\u11ab\u1100\u1173\u11af",  // Hangul jamo: NFC composes
  "q\u0307\u0323 \u1e0b\u0323 o\u0328\u0304",                // combining marks reordered by NFC
  "\ufb01 ligature, \u2126 ohm, \u2160 roman, \u00bd half",
];
const emoji = [
  "🦀🚀 emoji",
  "👍🏽 thumbs up with skin tone",
  "👨‍👩‍👧‍👦 family (ZWJ)",
  "🏳️‍🌈 rainbow flag, 🏴‍☠️ pirate",
  "🇯🇵🇺🇸🇩🇪 flags",
  "❤️ heart with VS16, ☺︎ text style",
  "🤷‍♀️🤦🏻‍♂️ people",
  "1️⃣ keycap #️⃣",
  "smile😀😃😄end",
  "🙂",
];
const whitespace = [
  "", " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", "\n \n", " \n ",
  "  leading", "trailing  ", "  both  ", "\tleading tab", "trailing newline\n",
  "a  b   c    d", "a\n\nb", "a\r\nb", "a \n b", "a\t\tb", "a \t\n b",
  "line one\nline two\r\nline three", "end with spaces and newline  \n",
  "\u00a0non-breaking\u2003em\u3000ideographic", "nel\u0085next", "bom\ufeffhere", "ls\u2028ps\u2029",
  "x \u00a0y", "   \n\n   \n", " \t \t ", "a\u000bb\u000cc",
];
const contractions = [
  "I'm sure it's fine; don't worry - really.",
  "I'M SURE IT'S FINE; DON'T WORRY",
  "You'Re They'VE we'Ll He'D she'S it'T",
  "'s 'S 't 'T 're 'RE 'rE 've 'Ve 'm 'M 'll 'LL 'lL 'd 'D",
  "'sss 'tt 'real 'vet 'mm 'lll 'dd",
  "O'Neil's rock 'n' roll '90s",
  "it\u2019s not an ASCII apostrophe",
  "'\u017f long s",
  "''s ''' 'x",
  "we'll've y'all'd've",
];
const specials = {
  llama3: [
    "<|begin_of_text|>Hello",
    "Hello<|end_of_text|>",
    "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>",
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    "text <|eot_id|> more",
    " <|eot_id|> ",
    "<|eot_id|><|eot_id|>",
    "<|reserved_special_token_0|>x<|reserved_special_token_250|>",
    "<|begin_of_text",
    "<|eot_id>",
    "<|python_tag|>print(1)<|eom_id|>",
  ],
  qwen3: [
    "<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>system\nYou are helpful.<|im_end|>",
    "<think>\nreasoning\n</think>\n\nanswer",
    "text <|endoftext|> more",
    " <|im_end|> ",
    "<|im_end|><|im_end|>",
    "<tool_call>{\"name\": \"f\"}</tool_call>",
    "<|vision_start|><|image_pad|><|vision_end|>",
    "<|im_start",
    "<|im_end>",
    "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>",
  ],
};
const misc = [
  "Hello world", "Hello, world!", "The quick brown fox jumps over the lazy dog.", story,
  "mixed: English, 日本語, emoji 🎉, and ümlauts.", "\u0000nul and \u007f del", "\u001b[31mred\u001b[0m",
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "!!!???...,,,;;;", "--- *** ___ === +++", "(a) [b] {c} <d>", "“quoted” «guillemets» „low“",
  "price: $1,234.56 (€99, ¥1000, £5)", "100% 50°C 3×4 ±2 ≤5 ≠6", "e-mail: someone@example.org",
  "CamelCaseIdentifier snake_case_name kebab-case-name", "ALLCAPS lowercase MiXeD",
  "A.B.C. U.S.A. e.g. i.e.", "¿Qué? ¡Sí!", "x\u0301\u0302\u0303 stacked marks",
  "\u200bzero\u200cwidth\u200djoiners", "Σίσυφος ΣΊΣΥΦΟΣ", "ﬁnancial ﬂow",
];
// Runs of digits, 1..12 long, bare and in context (Llama 3 groups by 3, Qwen3 one by one).
const digits = [];
for (let n = 1; n <= 12; n++) {
  const d = "123456789012".slice(0, n);
  digits.push(d, `abc${d}`, `${d}px`, ` ${d} `, `v${d}.${d}`, `-${d}`);
}
digits.push("12345 + 67890 = 80235", "3.14159265358979", "1,000,000", "2024-06-01T12:34:56Z",
  "٣٤٥٦٧ Arabic-Indic", "१२३४५ Devanagari", "１２３４ fullwidth", "x²³ ½ ⅔ Ⅻ", "0x1F 0b1010 1e-9");
// Invalid UTF-8, as bytes: truncated, stray continuation, overlong, surrogate, > U+10FFFF.
const invalid = [
  [0x61, 0xff, 0x62],
  [0x61, 0x62, 0xe6, 0x97],
  [0xe6, 0x97, 0x20, 0x61],
  [0xc0, 0x80, 0x20, 0x78],
  [0xed, 0xa0, 0x80, 0x21],
  [0xf0, 0x9f, 0x98],
  [0xf4, 0x90, 0x80, 0x80],
  [0x80, 0x80, 0x41],
  [0x48, 0x69, 0x20, 0xf0, 0x9f, 0x98, 0x20, 0xe6, 0x97, 0xa5, 0xff, 0xfe],
  [0x27, 0xc3, 0x53],
];

// Seeded random mixes of fragments: merge order, whitespace runs, digits, special-token
// boundaries and partial special tokens.
function randomTexts(count, seed, extra) {
  return randomMixes(count, seed, ["the", " ", "  ", "\n", "\t", "\r\n", "a", "e", "ing", "Once", " upon", "'s", "'LL", "'", "ll",
    "o", ".", ",", "!", "<|", "|>", "<", ">", "日本", "语", "🦀", "👨‍👩‍👧", "é", "e\u0301", "ÿ", "\u00a0", "0x",
    "1", "12", "123", "4567", " 89", "Lily", " She", "\"", "-", "Привет", "مرحبا", "नमस्ते", "\u3000", "Ġ", "Ċ",
    ...extra]);
}

// Seeded random strings of single characters from every class the regexes distinguish:
// letters of several scripts, digits of several kinds, each whitespace (incl. U+0085, U+FEFF,
// U+2028), apostrophes and contraction letters, combining marks and Hangul jamo (NFC),
// emoji parts (ZWJ, skin tone, regional indicators, VS16), U+017F and U+212A (case folding).
function characterSoup(count, seed, extra) {
  let state = seed >>> 0;
  const rnd = (n) => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) % n);
  const chars = [..."aZéß'’sStTmMdDrReEvVlL \t\n\r\u000b\u000c\u0085\u00a0\u2028\u3000\ufeff0123456789٣½²Ⅻ" +
    ".,!?-_\"()<>|日本語한글ئبक्षΩЖ\u0301\u0308\u0323\u0345\u1100\u1161\u11a8🦀👍🏽\u200d🇯🇵️ſK$%&*+/:;=@[]^`{}~"];
  const pieces = [...extra, "'ll", "'re", "'ve", "  ", "\r\n", "\n\n", "1234567"];
  const out = [];
  for (let i = 0; i < count; i++) {
    let t = "";
    const n = 1 + rnd(24);
    for (let k = 0; k < n; k++) t += rnd(10) === 0 ? pieces[rnd(pieces.length)] : chars[rnd(chars.length)];
    out.push(t);
  }
  return out;
}

// ---- generation ---------------------------------------------------------------------------
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const decoder = new TextDecoder("utf-8", { fatal: false });
const toHex = (bytes) => bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
let failures = 0;

for (const model of ["llama3", "qwen3"]) {
  const dir = path.join(modelsDir, model);
  const tokenizerJson = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer.json"), "utf8"));
  const js = new JsTokenizer(tokenizerJson, JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8")));
  const rust = RustTokenizer.fromFile(path.join(dir, "tokenizer.json"));
  const specialTexts = specials[model];
  const inputs = [
    ...misc, ...code, ...multilingual, ...emoji, ...whitespace, ...contractions, ...specialTexts, ...digits,
    ...specialTexts.map((s) => `  ${s}  `),
  ].map((text) => ({ text }));
  for (const bytes of invalid) inputs.push({ text: decoder.decode(new Uint8Array(bytes)), bytes_hex: toHex(bytes) });
  const randomCount = 120;
  for (const text of randomTexts(randomCount, 20240601, specialTexts.slice(0, 4))) inputs.push({ text, random: true });
  for (const text of characterSoup(100, 777, specialTexts.slice(0, 2))) inputs.push({ text, random: true });

  const cases = [];
  for (const input of inputs) {
    const { text } = input;
    const rWith = (await rust.encode(text, null, { addSpecialTokens: true })).getIds();
    const rWithout = (await rust.encode(text, null, { addSpecialTokens: false })).getIds();
    const jWith = js.encode(text, { add_special_tokens: true }).ids;
    const jWithout = js.encode(text, { add_special_tokens: false }).ids;
    const rDecoded = await rust.decode(rWith, false);
    const rSkip = await rust.decode(rWith, true);
    // tokenizers.js rejects an empty id list instead of returning "". It also applies
    // transformers' clean_up_tokenization_spaces from tokenizer_config.json (Llama 3: true,
    // " ." -> "."), which is not part of the tokenizers pipeline and would break streaming;
    // lmharness decodes as the tokenizers library does, so the JS side runs without it.
    const jsDecode = (skip) => js.decode(rWith, { skip_special_tokens: skip, clean_up_tokenization_spaces: false });
    const jDecoded = rWith.length ? jsDecode(false) : "";
    const jSkip = rWith.length ? jsDecode(true) : "";
    if (!same(rWith, jWith) || !same(rWithout, jWithout) || rDecoded !== jDecoded || rSkip !== jSkip) {
      failures++;
      console.error(`[${model}] the two references disagree on ${JSON.stringify(text)}:\n` +
        `  rust ${JSON.stringify(rWith)} ${JSON.stringify(rDecoded)} ${JSON.stringify(rSkip)}\n` +
        `  js   ${JSON.stringify(jWith)} ${JSON.stringify(jDecoded)} ${JSON.stringify(jSkip)}`);
    }
    const c = { text };
    if (input.bytes_hex) c.bytes_hex = input.bytes_hex;
    if (input.random) c.random = true;
    Object.assign(c, { ids_with_special: rWith, ids_without_special: rWithout, decoded: rDecoded,
      decoded_skip_special: rSkip });
    cases.push(c);
  }
  const out = {
    source: `ids and decoded text: npm "@huggingface/tokenizers" ${version("@huggingface/tokenizers")} ` +
      `(tokenizers.js) and npm "tokenizers" ${version("tokenizers")} (official binding of the Rust crate), ` +
      `which agree on every case; Tokenizer(tokenizer.json, tokenizer_config.json).encode(text, ` +
      `{add_special_tokens}) and decode(ids, {skip_special_tokens})`,
    generator: "scripts/hf/gen-bpe-cases.mjs",
    model,
    vocab_size: rust.getVocabSize(true),
    cases,
  };
  const outPath = path.join(outDir, `tokenizer_cases_${model}.json`);
  // One id list per line keeps the file reviewable in diffs.
  const body = JSON.stringify(out, null, 1).replace(/\[(\n[-\d,\s]*)\]/g, (_, ids) => `[${ids.replace(/\s+/g, "")}]`);
  fs.writeFileSync(outPath, body + "\n");
  console.log(`wrote ${outPath}: ${cases.length} cases`);
}
if (failures) {
  console.error(`${failures} case(s) where the two references disagree`);
  process.exit(1);
}
