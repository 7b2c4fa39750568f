// ChatTemplate: turns a conversation into the prompt text the chat model was trained on.
//
// Hugging Face stores the format as a Jinja program (tokenizer_config.json "chat_template").
// lmharness does not interpret Jinja. It recognises three template families by comparing
// the source's canonical form (engine/jinja_canonical.h: whitespace control, comments,
// quoting and attribute spelling normalised) with the known sources in
// engine/chat_template_sources.h, and renders the recognised family in C++:
//   - ChatML (Minueza-32M-Chat and other <|im_start|>/<|im_end|> models),
//   - Llama 3 (Meta-Llama-3-Instruct),
//   - Qwen3 (without tools: its tool-call branches are never taken because no tools are
//     passed; "tool" role messages, i.e. tool responses, are rendered).
// Anything else is rejected with lmh::Error instead of being rendered wrongly.
//
// Why C++ renderers and not a Jinja interpreter: the three programs are short, a Jinja
// subset able to run Qwen3's (namespaces, slicing, string methods, tests, filters, loop
// variables) would be a large, fuzz-exposed interpreter for no user-visible gain, and an
// exact-source match keeps "unsupported" honest: a template we do not know is refused, not
// half-interpreted. The expected outputs in tests/data/chat_template*_cases.json come from
// the real Jinja renderer @huggingface/jinja (scripts/hf/gen-template-cases.mjs), and the C++
// reproduces it exactly, including its quirks: `trim` and `strip`/`lstrip`/`rstrip` remove
// JavaScript whitespace (U+FEFF yes, U+0085 no) and ignore a characters argument, so Qwen3's
// `.lstrip('\n')` removes all leading whitespace (Python's Jinja would remove only newlines).
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace lmh {

struct ChatMessage {
    std::string role;     // "system", "user", "assistant", "tool", ... (inserted verbatim)
    std::string content;  // inserted verbatim: no template escapes anything
};

enum class ChatTemplateFamily { ChatML, Llama3, Qwen3 };

struct ChatTemplateOptions {
    // Qwen3's `enable_thinking` variable. nullopt leaves it undefined, which the template
    // treats like true (the reply may start with <think>); false appends an empty
    // "<think>\n\n</think>\n\n" to the generation prompt. Other templates ignore it.
    std::optional<bool> enable_thinking;
    // The `bos_token` variable (Llama 3 writes it before the first message).
    // from_tokenizer_config takes it from the file.
    std::string bos_token;
};

class ChatTemplate {
public:
    // Reads path's "chat_template" (and "bos_token"). Throws lmh::Error ("unsupported chat
    // template in <file>: ...") when it is missing, not a string, or not recognised.
    static ChatTemplate from_tokenizer_config(const std::filesystem::path& path, ChatTemplateOptions options = {});
    // Same recognition on raw Jinja source; errors name the file as "<string>".
    static ChatTemplate from_string(std::string_view jinja_source, ChatTemplateOptions options = {});

    ChatTemplateFamily family() const { return family_; }
    std::string_view name() const;  // "ChatML", "Llama 3", "Qwen3"
    const ChatTemplateOptions& options() const { return options_; }

    // What @huggingface/jinja renders for {messages, add_generation_prompt, bos_token,
    // enable_thinking}. Llama 3's template appends the assistant header even when
    // add_generation_prompt is false.
    std::string render(std::span<const ChatMessage> messages, bool add_generation_prompt) const;

    // True when every message renders independently (ChatML only):
    //   render(prefix + [m], false) == render(prefix, false) + render_message(m).
    // Llama 3 (bos before the first message, the header always appended) and Qwen3 (the
    // reasoning of earlier assistant turns is dropped once a new user turn follows, the
    // last assistant turn gets a <think> block) are not: a chat loop must re-render the
    // whole conversation and reuse only the common prefix (engine/chat_history.h).
    bool append_only() const { return family_ == ChatTemplateFamily::ChatML; }
    // One message's text. Only for append_only() templates; throws lmh::Error otherwise.
    std::string render_message(const ChatMessage& m) const;
    // The text that asks the model to answer; render(messages, true) always ends with it.
    std::string generation_prompt() const;
    // The token that ends an assistant turn ("<|im_end|>" or "<|eot_id|>"): generation
    // stops there, whatever the model config's eos ids are.
    std::string_view end_of_turn_token() const;

private:
    ChatTemplate(ChatTemplateFamily family, ChatTemplateOptions options)
        : family_(family), options_(std::move(options)) {}
    static ChatTemplate recognise(std::string_view jinja_source, const std::string& source_name,
                                  ChatTemplateOptions options);

    ChatTemplateFamily family_;
    ChatTemplateOptions options_;
};

}  // namespace lmh
