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
