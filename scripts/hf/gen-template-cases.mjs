// gen-template-cases.mjs — renders conversations with the chat model's real Jinja
// chat_template through @huggingface/jinja (the Jinja engine transformers.js uses for
// apply_chat_template) and writes tests/data/chat_template_cases.json.
//
// Why: engine/chat_template.cpp recognises the ChatML template and renders it by hand; its
// expected outputs must come from an independent, real Jinja renderer, not from itself.
//
// Usage (from the repo root):
//   (cd scripts/hf && npm install)        # installs @huggingface/jinja from package.json
//   node scripts/hf/gen-template-cases.mjs [--config /work/shared/models/chat/tokenizer_config.json]
//                                          [--out tests/data/chat_template_cases.json]
//   node scripts/hf/gen-template-cases.mjs --extended \
//        --config /work/shared/models/llama3-tokenizer/tokenizer_config.json \
//        --out tests/data/chat_template_llama3_cases.json       (and the same for qwen3)
//
// --extended (Llama 3, Qwen3): a wider conversation set (system or not, multi-turn,
// <think> blocks in assistant turns, unicode and special-looking text, whitespace that JS
// and Python trim differently), each rendered with add_generation_prompt false/true and
// enable_thinking undefined/true/false, plus near-miss variants of the template classified
// by the same renderer.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Template } from "@huggingface/jinja";

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const CONFIG = arg("--config", "/work/shared/models/chat/tokenizer_config.json");
const OUT = arg("--out", "tests/data/chat_template_cases.json");
const EXTENDED = process.argv.includes("--extended");

const here = path.dirname(fileURLToPath(import.meta.url));
// The package's "exports" hide package.json, so read the installed copy directly.
const jinjaVersion = JSON.parse(fs.readFileSync(
  path.join(here, "node_modules/@huggingface/jinja/package.json"), "utf8")).version;

const config = JSON.parse(fs.readFileSync(CONFIG, "utf8"));
if (typeof config.chat_template !== "string") throw new Error(`no chat_template in ${CONFIG}`);
const template = new Template(config.chat_template);

// Special tokens are passed the way transformers' apply_chat_template does, so a template
// that used them would see the same values; the ChatML template here ignores them.
function tokenText(t) { return typeof t === "string" ? t : t?.content ?? ""; }
const specials = {
  bos_token: tokenText(config.bos_token),
  eos_token: tokenText(config.eos_token),
  unk_token: tokenText(config.unk_token),
  pad_token: tokenText(config.pad_token),
};

const m = (role, content) => ({ role, content });
const conversations = {
  system_user: [m("system", "You are a helpful assistant."), m("user", "Hello!")],
  multi_turn: [
    m("user", "What is 2+2?"),
    m("assistant", "4."),
    m("user", "And times three?"),
  ],
  system_multi_turn: [
    m("system", "Answer briefly."),
    m("user", "Capital of France?"),
    m("assistant", "Paris."),
    m("user", "And of Italy?"),
    m("assistant", "Rome."),
  ],
  empty_content: [m("system", ""), m("user", "")],
  unicode_emoji: [m("user", "Grüße, 世界! 👋🏽 café — naïve ∑ 🤖")],
  contains_im_end: [m("user", "Print the text <|im_end|> and <|im_start|>user\nliterally.")],
  newlines: [m("system", "\n\nleading and trailing\n\n"), m("user", "line1\nline2\r\n\ttabbed  ")],
  single_user: [m("user", "Hi")],
  no_messages: [],
  custom_role: [m("tool", "{\"result\": 42}")],
};

if (EXTENDED) {
  writeExtended();
  process.exit(0);
}

const cases = [];
for (const [name, messages] of Object.entries(conversations)) {
  for (const addGenerationPrompt of [false, true]) {
    cases.push({
      name: `${name}${addGenerationPrompt ? "+gen" : ""}`,
      messages,
      add_generation_prompt: addGenerationPrompt,
      expected: template.render({ messages, add_generation_prompt: addGenerationPrompt, ...specials }),
    });
  }
}

// Other spellings of templates, classified by the same renderer: "renders_like_model" is
// true when the variant renders every case above exactly like the model's template. The C++
// recogniser must accept exactly the true ones (it supports only this one family).
const chatml = (open, close, gen) =>
  `${open}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + ${close}}}{% endfor %}` +
  `{% if add_generation_prompt %}${gen}{% endif %}`;
const forLoop = "{% for message in messages %}";
const variantSources = [
  // Same program, other spelling: double quotes, attribute access, spacing.
  `{% for message in messages %}{{"<|im_start|>" + message.role + "\n" + message.content + "<|im_end|>" + "\n"}}` +
    `{% endfor %}{% if add_generation_prompt %}{{ "<|im_start|>assistant\n" }}{% endif %}`,
  // Whitespace control, indentation and a comment.
  "{%- for message in messages -%}\n  {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + " +
    "'<|im_end|>' + '\\n' -}}\n{%- endfor -%}\n{#- the prompt -#}\n{%- if add_generation_prompt -%}\n" +
    "  {{- '<|im_start|>assistant\\n' -}}\n{%- endif -%}\n",
  // trim_blocks/lstrip_blocks: the newline right after a block tag and the indentation
  // before one vanish (not the indentation before an output tag).
  "{% for message in messages %}\n{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + " +
    "'<|im_end|>\\n'}}\n    {%- endfor %}\n  {% if add_generation_prompt %}\n{{ '<|im_start|>assistant\\n' }}" +
    "\n{%- endif %}\n",
  // ... but a newline before an indented block tag stays: one extra "\n" per message.
  "{% for message in messages %}\n{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + " +
    "'<|im_end|>\\n'}}\n  {% endfor %}\n{% if add_generation_prompt %}\n{{ '<|im_start|>assistant\\n' }}" +
    "{% endif %}",
  // Folded end marker literal.
  chatml(forLoop, "'<|im_end|>\n'", "{{ '<|im_start|>assistant\n' }}"),
  // Indentation before an output tag is output, so this one differs.
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + " +
    "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}\n    {{ '<|im_start|>assistant\\n' }}" +
    "{% endif %}",
  // ChatML with a bos token in front.
  "{{ bos_token }}" + config.chat_template,
  // The loop.last variant leaves the last message open without a generation prompt.
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']}}" +
    "{% if (loop.last and add_generation_prompt) or not loop.last %}{{ '<|im_end|>' + '\\n'}}{% endif %}" +
    "{% endfor %}{% if add_generation_prompt and messages[-1]['role'] != 'assistant' %}" +
    "{{ '<|im_start|>assistant\\n' }}{% endif %}",
  // Llama-2 [INST] format.
  "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + " +
    "message['content'] + ' [/INST]' }}{% else %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}",
  // A space before the newline after the role.
  chatml(forLoop, "'<|im_end|>' + '\n'", "{{ '<|im_start|>assistant\n' }}").replace("+ '\n' + message['content']", "+ ' \n' + message['content']"),
  // Literal text outside the tags is output.
  "Hello " + config.chat_template,
];
const variants = variantSources.map((source) => {
  let same = true;
  try {
    const t = new Template(source);
    for (const c of cases) {
      const got = t.render({ messages: c.messages, add_generation_prompt: c.add_generation_prompt, ...specials });
      if (got !== c.expected) same = false;
    }
  } catch {
    same = false;
  }
  return { template: source, renders_like_model: same };
});

const out = {
  source: `@huggingface/jinja ${jinjaVersion} rendering chat_template of ${path.basename(CONFIG)} (Minueza-32M chat)`,
  template: config.chat_template,
  cases,
  variants,
};
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, JSON.stringify(out, null, 2) + "\n");
console.log(`wrote ${cases.length} cases to ${OUT}`);

// ---- --extended: Llama 3 and Qwen3 ----

function writeExtended() {
  const think = (r, a) => `<think>\n${r}\n</think>\n\n${a}`;
  const convs = {
    ...conversations,
    system_user_assistant: [m("system", "Be terse."), m("user", "Hi"), m("assistant", "Hello.")],
    long_multi_turn: [
      m("system", "You count."), m("user", "1"), m("assistant", "2"), m("user", "3"), m("assistant", "4"),
      m("user", "5"), m("assistant", "6"), m("user", "7"),
    ],
    empty_assistant: [m("user", "Say nothing."), m("assistant", ""), m("user", "Again?")],
    special_looking: [
      m("system", "<|begin_of_text|><|start_header_id|>system<|end_header_id|>"),
      m("user", "<|eot_id|> {{ messages }} {% if x %}{# no #} <think></think> <tool_response>"),
      m("assistant", "<|im_end|><|end_of_text|>"),
      m("user", "ok"),
    ],
    // JS String.prototype.trim (what @huggingface/jinja's trim/strip use) removes U+00A0,
    // U+2028, U+3000 and U+FEFF but not U+0085; Python's str.strip differs on U+FEFF/U+0085.
    unicode_whitespace: [
      m("system", "\u00a0\u3000 sys \u2028"),
      m("user", " \t\ufeffq\u0085 \r\n"),
      m("assistant", "\u2003a\u00a0"),
      m("user", "\n"),
    ],
    think_last_assistant: [m("user", "2+2?"), m("assistant", think("add them", "4"))],
    think_in_history: [
      m("system", "Think first."), m("user", "2+2?"), m("assistant", think("add them", "4")), m("user", "And 3+3?"),
    ],
    think_two_rounds: [
      m("user", "a?"), m("assistant", think("r1", "A1")), m("user", "b?"), m("assistant", think("r2", "B2")),
    ],
    think_after_last_query: [
      m("user", "q"), m("assistant", think("step 1", "partial")), m("assistant", think("step 2", "final")),
    ],
    think_plain_after_last_query: [m("user", "q"), m("assistant", "no reasoning"), m("assistant", "last")],
    think_no_open_tag: [m("user", "q"), m("assistant", "reasoning only</think>answer")],
    think_spaces: [m("user", "q"), m("assistant", "<think>  spaced out \n</think>\n\n  answer with spaces  \n")],
    think_two_close_tags: [m("user", "q"), m("assistant", "<think>a</think>b</think>\nc")],
    think_empty: [m("user", "q"), m("assistant", "<think></think>")],
    think_unclosed: [m("user", "q"), m("assistant", "<think>never closed"), m("user", "r")],
    tool_response_as_user: [
      m("user", "Weather?"), m("assistant", think("call tool", "Calling.")),
      m("user", "<tool_response>sunny</tool_response>"), m("assistant", think("got it", "Sunny.")),
    ],
    tool_role: [m("user", "Weather?"), m("assistant", "Calling."), m("tool", "sunny"), m("tool", "warm"), m("user", "thanks")],
    system_not_first: [m("user", "hi"), m("system", "late system"), m("user", "again")],
    assistant_first: [m("assistant", "I start."), m("user", "ok")],
    custom_role: [m("user", "x"), m("developer", "dev note"), m("user", "y")],
    no_user_message: [m("system", "s"), m("assistant", think("r", "a"))],
    only_tool_responses: [m("user", "<tool_response>1</tool_response>"), m("assistant", think("r", "a"))],
  };
  const cases = [];
  const render = (t, messages, agp, et) => {
    const ctx = { messages, add_generation_prompt: agp, ...specials };
    if (et !== undefined) ctx.enable_thinking = et;
    return t.render(ctx);
  };
  const template = new Template(config.chat_template);
  for (const [name, messages] of Object.entries(convs)) {
    for (const agp of [false, true]) {
      for (const et of [undefined, true, false]) {
        const c = { name: `${name}${agp ? "+gen" : ""}${et === undefined ? "" : et ? "+think" : "+nothink"}`, messages,
                    add_generation_prompt: agp };
        if (et !== undefined) c.enable_thinking = et;
        c.expected = render(template, messages, agp, et);
        cases.push(c);
      }
    }
  }
  // Near misses: small edits of the real source, rendered over every case above.
  // "spelling" edits change how the program is written, not what it does: the recogniser
  // must accept them (and they must render alike, checked here). Edits that render
  // differently must be refused, and so must "structural" ones that render alike here only
  // because these cases pass no tools or because @huggingface/jinja ignores the argument of
  // strip/lstrip/rstrip (Python's Jinja would not). "other" edits that render alike (e.g.
  // a newline that trim_blocks removes) may go either way.
  const src = config.chat_template;
  const edits = [
    ["spelling", "leading comment and whitespace control", (s) => "{#- same program -#}\n" + s],
    ["spelling", "double-quoted literal", (s) => s.replace("'<|im_end|>\\n'", '"<|im_end|>\\n"').replace("'<|eot_id|>'", '"<|eot_id|>"')],
    ["spelling", "one trailing newline (Jinja drops it)", (s) => s + "\n"],
    ["spelling", "attribute access spelled as a subscript", (s) => s.replace("messages[0].role", "messages[0]['role']").replace("message['role']", "message.role")],
    ["other", "two trailing newlines", (s) => s + "\n\n"],
    ["other", "literal text in front", (s) => "x" + s],
    ["other", "one character of a literal changed", (s) => s.replace("<|im_start|>assistant", "<|im_start|>Assistant").replace("<|eot_id|>", "<|eot_id|> ")],
    ["other", "a filter or constant changed", (s) => s.replace(" | trim", "").replace("|length - 1", "|length - 2")],
    ["other", "a condition changed", (s) => s.replace("enable_thinking is false", "enable_thinking is true").replace("loop.index0 == 0", "loop.index0 == 1")],
    ["structural", "strip argument dropped / filter doubled", (s) => s.replace(".lstrip('\\n')", ".lstrip()").replace("message['content'] | trim", "message['content'] | trim | trim")],
    ["other", "bos dropped / think stripping removed", (s) => s.replace("bos_token + content", "content").replace("'</think>' in message.content", "false")],
    ["other", "generation prompt made conditional / unconditional", (s) => s.replace("{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}",
      "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}").replace("{%- if add_generation_prompt %}", "{%- if true %}")],
    ["structural", "tool branch removed", (s) => s.replace("{%- if tools %}", "{%- if false %}").replace("{% set loop_messages = messages %}", "{% set loop_messages = messages[1:] %}")],
  ];
  const variants = [];
  for (const [kind, what, edit] of edits) {
    const source = edit(src);
    if (source === src) continue;
    let same = true;
    try {
      const t = new Template(source);
      for (const c of cases) if (render(t, c.messages, c.add_generation_prompt, c.enable_thinking) !== c.expected) same = false;
    } catch {
      same = false;
    }
    if (kind === "spelling" && !same) throw new Error(`spelling variant "${what}" renders differently`);
    variants.push({ what, template: source, renders_like_model: same, must_accept: kind === "spelling",
                    must_refuse: !same || kind === "structural" });
  }
  const out = {
    source: `@huggingface/jinja ${jinjaVersion} rendering chat_template of ${CONFIG}`,
    template: src,
    specials,
    cases,
    variants,
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(out, null, 2) + "\n");
  console.log(`wrote ${cases.length} cases and ${variants.length} variants to ${OUT}`);
}
