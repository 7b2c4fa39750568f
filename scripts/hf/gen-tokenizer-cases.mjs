// gen-tokenizer-cases.mjs — encodes/decodes a fixed list of texts with the real Hugging
// Face tokenizer and writes tests/data/tokenizer_cases.json for tests/tokenizer_test.cpp.
//
// Why two packages:
//  * `tokenizers` (npm) is Hugging Face's official Node binding of the Rust `tokenizers`
//    crate (prebuilt native module) — the same code as Python's `tokenizers`, so it is the
//    source of truth for the expected ids and decoded strings.
//  * `@huggingface/tokenizers` (tokenizers.js) is a pure-JS port. It is cross-checked
//    against the Rust binding; every disagreement is printed and stored per case under
//    "js_port" so the corners where the port differs are documented, not hidden.
// The C++ tokenizer must not be the source of its own expectations.
//
// Usage (from the repo root):
//   (cd scripts/hf && npm install)
//   node scripts/hf/gen-tokenizer-cases.mjs [--models /work/shared/models] [--out tests/data/tokenizer_cases.json]
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { Tokenizer as JsTokenizer } from "@huggingface/tokenizers";
import { arg, repo, version } from "./paths.mjs";
import { randomMixes } from "./random-texts.mjs";

const require = createRequire(import.meta.url);
const { Tokenizer: RustTokenizer } = require("tokenizers");

const modelsDir = arg("--models", path.resolve(repo, "..", "shared", "models"));
const outPath = arg("--out", path.join(repo, "tests", "data", "tokenizer_cases.json"));

const tinyStory =
  "Once upon a time, there was a little girl named Lily. She loved to play outside in the sunshine. " +
  "One day, she saw a big, red ball in the park. \"Can I play with it?\" she asked her mom. " +
  "Her mom smiled and said, \"Yes, Lily, but be careful!\" Lily was very happy.";

// Texts shared by both models; each exercises one corner of the pipeline (see the C++ tests).
const texts = [
  "",
  "Hello world",
  "Hello, world!",
  "The quick brown fox jumps over the lazy dog.",
  "I'm sure it's fine; don't worry - really.",
  tinyStory,
  "  leading",
  "trailing  ",
  " ",
  "   ",
  "a  b   c    d",
  "a\n\nb",
  "\n",
  "line one\nline two\r\nline three",
  "\t",
  "col1\tcol2\t\tcol3",
  "日本語のテキスト",
  "中文测试：你好，世界！",
  "🦀🚀 emoji",
  "👨‍👩‍👧 family",
  "ÿ",
  "naïve café résumé",
  "Привет, мир",
  "مرحبا بالعالم",
  "mixed: English, 日本語, emoji 🎉, and ümlauts.",
  "<s>",
  "</s>",
  "<unk>",
  "Hello <s> world </s>",
  "<s>Hello</s>",
  "<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n",
  "<|im_start|><|im_end|>",
  "<|start_story|>Once upon a time<|end_story|>",
  "text <|end_story|> more",
  "<|end_story|>",
  "<0x41> literal byte token text",
  "a▁b ▁ c",
  "12345 + 67890 = 80235",
  "x = {\"key\": [1, 2, 3]}; // code",
  "\u0000nul and \u007f del",
  "\u00a0non-breaking\u2003em space",
  "ﬁ ligature and Å vs Å",
  "🙂",
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

// Seeded random texts from a pool of fragments that stress merge order, whitespace runs,
// byte fallback and added-token boundaries; stored as "random_cases" (ids + decoded only).
function randomTexts(count, seed) {
  return randomMixes(count, seed, ["the", " ", "  ", "\n", "\t", "a", "e", "ing", "Once", " upon", "ll", "o", ".", ",", "!",
    "<s>", "</s>", "<|im_start|>", "<|im_end|>", "<|end_story|>", "<|", "|>", "<", ">", "▁", "日本", "语",
    "🦀", "é", "ÿ", "\u00a0", "0x", "<0x41>", "12", "Lily", " She", "'s", "\"", "-", "\r\n"]);
}
const randomCount = 150;

const models = ["story", "chat"];
const out = {
  source:
    `ids/decoded: npm "tokenizers" ${version("tokenizers")} (official Node binding of the Hugging Face ` +
    `Rust tokenizers crate), Tokenizer.fromFile + encode(text, null, {addSpecialTokens}) + ` +
    `decode(ids, false); cross-checked with npm "@huggingface/tokenizers" ${version("@huggingface/tokenizers")} ` +
    `(tokenizers.js port); a "js_port" field records where the port disagrees`,
  generator: "scripts/hf/gen-tokenizer-cases.mjs",
  models: {},
};

let disagreements = 0;
for (const model of models) {
  const file = path.join(modelsDir, model, "tokenizer.json");
  const rust = RustTokenizer.fromFile(file);
  const tokenizerJson = JSON.parse(fs.readFileSync(file, "utf8"));
  const specialIds = new Set(tokenizerJson.added_tokens.filter((t) => t.special).map((t) => t.id));
  const js = new JsTokenizer(
    tokenizerJson,
    JSON.parse(fs.readFileSync(path.join(modelsDir, model, "tokenizer_config.json"), "utf8")),
  );
  const cases = [];
  for (const text of texts) {
    const withSpecial = (await rust.encode(text, null, { addSpecialTokens: true })).getIds();
    const withoutSpecial = (await rust.encode(text, null, { addSpecialTokens: false })).getIds();
    const decoded = await rust.decode(withSpecial, false);
    const decodedSkip = await rust.decode(withSpecial, true);
    // HF 0.23 does not skip special added tokens that are normalized=true (it compares
    // their normalized spelling); lmh skips by id, which equals HF decoding the ids with
    // the special ones removed. Both are recorded.
    const decodedSkipById = await rust.decode(withSpecial.filter((id) => !specialIds.has(id)), false);
    const c = {
      text,
      ids_with_special: withSpecial,
      ids_without_special: withoutSpecial,
      decoded,
      decoded_skip_special: decodedSkip,
      decoded_without_special_ids: decodedSkipById,
    };

    const jsWith = js.encode(text, { add_special_tokens: true }).ids;
    const jsWithout = js.encode(text, { add_special_tokens: false }).ids;
    // tokenizers.js rejects an empty id list instead of returning "".
    const jsDecoded = withSpecial.length ? js.decode(withSpecial, { skip_special_tokens: false }) : "";
    const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
    if (!same(jsWith, withSpecial) || !same(jsWithout, withoutSpecial) || jsDecoded !== decoded) {
      disagreements++;
      c.js_port = { ids_with_special: jsWith, ids_without_special: jsWithout, decoded: jsDecoded };
      console.error(`[${model}] tokenizers.js differs from Rust for ${JSON.stringify(text)}:\n` +
        `  rust ids ${JSON.stringify(withSpecial)} decoded ${JSON.stringify(decoded)}\n` +
        `  js   ids ${JSON.stringify(jsWith)} decoded ${JSON.stringify(jsDecoded)}`);
    }
    cases.push(c);
  }
  const randomCases = [];
  for (const text of randomTexts(randomCount, 20240601)) {
    const ids = (await rust.encode(text, null, { addSpecialTokens: true })).getIds();
    const jsIds = js.encode(text, { add_special_tokens: true }).ids;
    if (JSON.stringify(jsIds) !== JSON.stringify(ids)) {
      disagreements++;
      console.error(`[${model}] tokenizers.js ids differ for random ${JSON.stringify(text)}`);
    }
    randomCases.push({ text, ids_with_special: ids, decoded: await rust.decode(ids, false) });
  }
  out.models[model] = { vocab_size: rust.getVocabSize(true), cases, random_cases: randomCases };
}

fs.mkdirSync(path.dirname(outPath), { recursive: true });
// One id list per line keeps the file reviewable in diffs.
// (Only arrays broken over lines are touched: a JSON string can hold no raw newline.)
const body = JSON.stringify(out, null, 1).replace(/\[(\n[-\d,\s]*)\]/g, (_, ids) => `[${ids.replace(/\s+/g, "")}]`);
fs.writeFileSync(outPath, body + "\n");
console.log(`wrote ${outPath}: ${texts.length} texts + ${randomCount} random texts x ${models.length} models; ` +
  `${disagreements} case(s) where tokenizers.js differs from the Rust binding`);
