// make-prompts.mjs — tokenizes the verification prompts with the real Hugging Face
// tokenizer (tokenizers.js, a faithful port of the Rust `tokenizers` crate) and writes
// verify/prompts/{story,chat,llama3,qwen3}.json for scripts/reference.py and the C++ verifier.
//
// Why a separate Node script: the Python we use (Debian python3 + numpy) has no HF
// tokenizer, and the C++ engine's own tokenizer must not be the source of truth for its
// own test inputs. Prompts are therefore stored as token ids (plus the text for humans).
//
// Usage (from the repo root):
//   cd /tmp/tokhf && npm install @huggingface/tokenizers
//   NODE_PATH=/tmp/tokhf/node_modules node scripts/hf/make-prompts.mjs [--shared /work/shared/models] [--out verify/prompts]
//     [--only story,chat,llama3,qwen3]
// (NODE_PATH is not honoured for ESM imports, so the module is resolved explicitly below.)
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const SHARED = arg("--shared", "/work/shared/models");
const OUT = arg("--out", "verify/prompts");
const TOKHF = arg("--tokhf", process.env.TOKHF_DIR || "/tmp/tokhf");

// Resolve @huggingface/tokenizers from the throwaway npm dir (not vendored in the repo).
const req = createRequire(path.join(TOKHF, "package.json"));
const { Tokenizer } = await import(req.resolve("@huggingface/tokenizers").replace(/\.cjs$/, ".mjs"));

function load(model) {
  const dir = path.join(SHARED, model);
  const tj = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer.json"), "utf8"));
  const tc = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8"));
  return new Tokenizer(tj, tc);
}

// HF semantics: tokenizer(text) == encode(text, add_special_tokens=True); the
// TemplateProcessing post-processor in tokenizer.json decides whether BOS is added.
const enc = (tok, text) => Array.from(tok.encode(text, { add_special_tokens: true }).ids, Number);
const encNoSpecial = (tok, text) => Array.from(tok.encode(text, { add_special_tokens: false }).ids, Number);

// ----------------------------------------------------------------------------- story
const SHORT =
  "Tom had a little red ball. He liked to play with it in the park every day. " +
  "One day, the ball rolled into the pond. Tom was sad, but his friend Sue came to help him. " +
  "They found a long stick and pulled the ball out of the water.";

const LONG =
  "Once upon a time, there was a little girl named Lily. She lived in a small house with her mom, " +
  "her dad and her dog Max. Lily loved to play outside in the big green garden. Every morning she " +
  "ran to see the flowers and the birds.\n\n" +
  "One day, Lily found a shiny blue box under a tree. She was very curious. \"What is in the box?\" " +
  "she asked Max. Max wagged his tail and barked. Lily opened the box slowly. Inside, there was a " +
  "small key and a note. The note said, \"Find the door that is hidden in the garden.\"\n\n" +
  "Lily and Max looked everywhere. They looked behind the bushes and under the bench. They looked " +
  "near the pond where the ducks like to swim. At last, Lily saw a tiny door in the old wall. It " +
  "was covered with leaves. She put the key in the door and turned it. The door opened with a " +
  "loud creak.\n\n" +
  "Behind the door, there was a secret garden full of toys and sweet fruit. There were red apples, " +
  "yellow pears and a big swing. Lily was so happy! She played on the swing and shared an apple " +
  "with Max. Then she saw a little bunny who looked sad. \"Why are you sad?\" Lily asked. The bunny " +
  "said, \"I lost my friend, the bird. Can you help me find her?\"\n\n" +
  "Lily wanted to help. She and Max walked around the secret garden and called for the bird. Soon " +
  "they heard a soft song from the top of a tall tree. The bird was stuck in the branches. Lily " +
  "was brave. She climbed up carefully and helped the bird get free. The bird flew down to the " +
  "bunny and they hugged.\n\n" +
  "The bunny and the bird said thank you to Lily and Max. They all had a picnic together and ate " +
  "the sweet fruit. When the sun went down, Lily said goodbye to her new friends. She went home " +
  "and told her mom about the secret garden. Her mom smiled and gave her a big hug. From that day " +
  "on, Lily visited the secret garden every week. She learned that being kind and brave can make " +
  "new friends.";

function storyPrompts() {
  const tok = load("story");
  const p = [
    { name: "one", text: "", ids: [1], store: "all" }, // BOS only (length 1)
    { name: "once", text: "Once upon a time", ids: enc(tok, "Once upon a time"), store: "all" },
    { name: "short", text: SHORT, ids: enc(tok, SHORT), store: "all" },
    // Layer 0 in full for the last 8 rows, and its k/v for every row: verify's local error
    // then runs at the whole 392-token shape (scripts/reference.py tensor_rows).
    { name: "long", text: LONG, ids: enc(tok, LONG), store: "layers", local: { layers: [0], rows: 8 } },
  ];
  for (const q of p) {
    if (q.ids[0] !== 1) throw new Error(`story prompt ${q.name} does not start with BOS`);
    q.positions = [0, q.ids.length];
  }
  const short = p[2].ids.length, long = p[3].ids.length;
  if (short < 30 || short > 60) throw new Error(`short prompt has ${short} tokens (want 30-60)`);
  if (long < 256 || long >= 512) throw new Error(`long prompt has ${long} tokens (want 256..511)`);
  return {
    model: "story",
    tokenizer: "tokenizer.json via @huggingface/tokenizers encode(text, {add_special_tokens: true}); " +
      "the post-processor (TemplateProcessing) prepends BOS <|start_story|> = 1",
    prompts: p,
    greedy: { prompt: "once", n_tokens: 64 },
    held_text: "long",
  };
}

// ------------------------------------------------------------------------------ chat
const CHATML =
  "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" +
  "<|im_start|>user\nHello! What is the capital of France?<|im_end|>\n" +
  "<|im_start|>assistant\n";

// Deterministic, varied English filler for the sliding-window prompt: sentences built
// from small word lists with a fixed LCG, so the text is reproducible and not periodic.
function windowText(nSentences) {
  let s = 12345;
  const rnd = (n) => { s = (s * 1103515245 + 12345) % 2147483648; return Math.floor((s / 2147483648) * n); };
  const subj = ["The old sailor", "A curious child", "My neighbour", "The quiet librarian", "A tired farmer",
    "The young engineer", "Our teacher", "The baker down the street", "A small robot", "The mayor"];
  const verb = ["carried", "painted", "repaired", "discovered", "explained", "counted", "borrowed", "cooked",
    "measured", "described"];
  const obj = ["a wooden boat", "three red apples", "the broken clock", "an ancient map", "the village bridge",
    "a basket of bread", "seventeen letters", "the winter garden", "a strange machine", "the history of Paris"];
  const tail = ["before sunrise", "with great care", "while it was raining", "for the whole afternoon",
    "near the river", "in the crowded market", "after a long journey", "without saying a word",
    "on the first day of spring", "because nobody else would"];
  const out = [];
  for (let i = 0; i < nSentences; i++) {
    out.push(`${subj[rnd(10)]} ${verb[rnd(10)]} ${obj[rnd(10)]} ${tail[rnd(10)]}.`);
    if (i % 7 === 6) out.push("\n");
  }
  return out.join(" ").replace(/ \n /g, "\n");
}

function chatPrompts() {
  const tok = load("chat");
  const chatml = enc(tok, CHATML); // add_special_tokens=true, as HF tokenizer(text) does
  const wtext = windowText(200);
  const wids = [1, ...encNoSpecial(tok, wtext)].slice(0, 1100);
  if (wids.length !== 1100) throw new Error(`window prompt too short: ${wids.length}`);
  const p = [
    { name: "one", text: "", ids: [1], store: "all", positions: [0, 1] },
    // "all" for the whole chatml prompt would be ~11 MB (vocab 32002 logits + 10 layers of taps per
    // row), over the ~8 MB budget, so only its last 10 rows are stored (position 0 is covered by "one";
    // 14 rows until the window prompt's local-error data took ~1 MB of the budget).
    { name: "chatml", text: CHATML, ids: chatml, store: "all", positions: [Math.max(0, chatml.length - 10), chatml.length] },
    // Past the 1024-token window: layer 0 in full for the last 8 rows and its k/v from one
    // window back, so a window-mask bug is a local failure of layer0.attn (~1 MB).
    { name: "window", text: "<s>" + tok.decode(wids.slice(1)), ids: wids, store: "layers", positions: [1092, 1100],
      local: { layers: [0], rows: 8 } },
  ];
  return {
    model: "chat",
    tokenizer: "tokenizer.json via @huggingface/tokenizers encode(text, {add_special_tokens: true}); " +
      "this tokenizer's post-processor (TemplateProcessing single=[A]) adds NO BOS, so 'chatml' starts " +
      "with <|im_start|> (32001) exactly as HF tokenizer(text) / apply_chat_template(tokenize=True) give; " +
      "'window' is BOS (1) + encode(text, add_special_tokens=false), truncated to 1100 ids",
    chatml_bos: false,
    prompts: p,
    greedy: { prompt: "chatml", n_tokens: 32 },
    held_text: "window",
  };
}

// ------------------------------------------------------------------- llama3 and qwen3
// Real tokenizers (../shared/models/{llama3,qwen3}-tokenizer), synthetic weights. Vocabularies
// of 128k/152k make full logits 0.5-0.6 MB per position, so only the "tail" prompt stores
// full logits (4 positions); the others store the reference's top-k and log-sum-exp
// ("logits": "topk", see scripts/reference.py).
const CHAT_Q = "Hello! What is the capital of France?";

function bigVocabPrompts(model, dir, chatText, bosId) {
  const tok = load(dir);
  // These tokenizer.json files' post-processor is ByteLevel only (no TemplateProcessing), so
  // encode adds no BOS: Llama 3's <|begin_of_text|> is prepended here, as it is written into
  // the chat template's text; Qwen3 has no BOS.
  const bos = bosId !== null ? [bosId] : [];
  // 40 positions with every tensor stored (local errors): the two models' references stay
  // near 12.5 MB together (the limit is 15 MB).
  const short = [...bos, ...encNoSpecial(tok, SHORT)].slice(0, 40);
  const long = [...bos, ...encNoSpecial(tok, LONG)];
  const chat = encNoSpecial(tok, chatText); // as apply_chat_template(tokenize=True): the template holds the specials
  const first = bosId !== null ? [bosId] : [short[0]];
  if (bosId !== null && chat[0] !== bosId) throw new Error(`${model}: BOS expected`);
  if (enc(tok, "a b").length !== encNoSpecial(tok, "a b").length) throw new Error(`${model}: post-processor adds tokens`);
  // 192 positions for the KL statistics: verify's all-positions prefill holds n × vocab f32
  // logits (and a copy), 117 MB here for Qwen3.
  const tail = long.slice(0, 192);
  const p = [
    { name: "one", text: bosId !== null ? "" : tok.decode(first), ids: first, store: "all", positions: [0, 1], logits: "full" },
    { name: "short", text: tok.decode(short.slice(bos.length)), ids: short, store: "all", positions: [0, short.length], logits: "topk" },
    { name: "chat", text: chatText, ids: chat, store: "all", positions: [chat.length - 4, chat.length], logits: "full" },
    { name: "long", text: tok.decode(tail.slice(bos.length)), ids: tail, store: "layers", positions: [0, tail.length], logits: "topk" },
  ];
  if (long.length < 256 || long.length >= 512) throw new Error(`${model}: long prompt has ${long.length} tokens`);
  return {
    model,
    tokenizer: `tokenizer.json of ${dir} via @huggingface/tokenizers encode(text, {add_special_tokens: false}); ` +
      "its post-processor (ByteLevel) adds no special tokens" +
      (bosId !== null ? `; BOS ${bosId} is prepended to 'short' and 'long'` : "; Qwen3 has no BOS") +
      "; the chat prompt is the template's text for one user turn, written out (special tokens in text)",
    prompts: p,
    greedy: { prompt: "chat", n_tokens: 32 },
    held_text: "long",
  };
}

const llama3 = () => bigVocabPrompts("llama3", "llama3-tokenizer",
  "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n" + CHAT_Q + "<|eot_id|>" +
  "<|start_header_id|>assistant<|end_header_id|>\n\n", 128000);
const qwen3 = () => bigVocabPrompts("qwen3", "qwen3-tokenizer",
  "<|im_start|>user\n" + CHAT_Q + "<|im_end|>\n<|im_start|>assistant\n", null);

const ONLY = arg("--only", "story,chat,llama3,qwen3").split(",");
const MAKERS = { story: storyPrompts, chat: chatPrompts, llama3, qwen3 };
fs.mkdirSync(OUT, { recursive: true });
for (const [name, obj] of ONLY.map((n) => [n, MAKERS[n]()])) {
  // One prompt per line keeps diffs readable while ids stay on one line.
  const lines = obj.prompts.map((q) => "    " + JSON.stringify(q));
  const head = { ...obj }; delete head.prompts;
  const body = JSON.stringify(head, null, 2).replace(/\n}$/, "");
  const text = body + ',\n  "prompts": [\n' + lines.join(",\n") + "\n  ]\n}\n";
  JSON.parse(text); // sanity
  fs.writeFileSync(path.join(OUT, `${name}.json`), text);
  console.log(`${name}: ` + obj.prompts.map((q) => `${q.name}=${q.ids.length}`).join(" "));
}
