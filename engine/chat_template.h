// ChatTemplate: turns a conversation into the prompt text the chat model was trained on.
//
// Hugging Face stores the format as a Jinja program (tokenizer_config.json "chat_template").
// lmharness does not interpret Jinja: it recognises the one template family it supports
// (ChatML, as used by Minueza-32M-Chat) after normalising the source, and renders that
// family in C++. Any other template is rejected with lmh::Error instead of being rendered
// wrongly. The expected outputs in tests/data/chat_template_cases.json come from the real
// Jinja renderer (@huggingface/jinja, scripts/hf/gen-template-cases.mjs).
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace lmh {

struct ChatMessage {
    std::string role;     // "system", "user", "assistant", ... (ChatML accepts any role)
    std::string content;  // inserted verbatim: ChatML has no escaping
};

class ChatTemplate {
public:
    // Reads path's "chat_template". Throws lmh::Error ("unsupported chat template in
    // <file>: ...") when it is missing, not a string, or not a recognised ChatML template.
    static ChatTemplate from_tokenizer_config(const std::filesystem::path& path);
    // Same recognition on raw Jinja source; errors name the file as "<string>".
    static ChatTemplate from_string(std::string_view jinja_source);

    std::string render(std::span<const ChatMessage> messages, bool add_generation_prompt) const;
    // One message's text. For ChatML every message renders independently, so
    // render(prefix + [m], false) == render(prefix, false) + render_message(m): a chat loop
    // appends a turn without re-rendering (and re-tokenising) the whole conversation.
    std::string render_message(const ChatMessage& m) const;
    // The text that asks the model to answer: "<|im_start|>assistant\n".
    std::string generation_prompt() const;

private:
    ChatTemplate() = default;
    static ChatTemplate recognise(std::string_view jinja_source, const std::string& source_name);
};

}  // namespace lmh
