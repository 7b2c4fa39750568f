// What the engine accepts from a checkpoint, in one place: every config.json field it
// recognises (and whether it implements it), and the checkpoint tensors it may leave unused.
//
// A correctness harness must not run a model whose math it does not implement: a config
// with "attention_bias": true or a Llama 3 "rope_scaling" runs without a word through a
// plain Llama forward pass and gives logits that look right and are not. So a field that
// changes the math upstream is refused unless it has its neutral value, and a field that is
// in no row of the table is refused too (nobody has decided yet whether it matters).
// Supporting a new feature = implement it, then move its row from kRefusedUnlessNeutral to
// kImplemented (config_fields.cpp).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lmh {

enum class FieldSupport {
    implemented,             // read by ModelConfig and used by the forward pass
    no_effect,               // known, does not change inference math (metadata, training-only)
    refused_unless_neutral,  // changes the math upstream; accepted only with its neutral value(s)
};

struct ConfigField {
    std::string_view name;
    FieldSupport support;
    std::string_view neutral;  // refused_unless_neutral: JSON values accepted, '|'-separated
    std::string_view meaning;  // what the field does upstream (and where it comes from)
};

// The table, for documentation and tests.
std::span<const ConfigField> config_fields();

// Throws lmh::Error (one line, naming `source` and the field) for a field of `config`
// that is in no row of the table or that changes the math and does not have its neutral
// value.
void check_config_fields(const nlohmann::json& config, const std::string& source);

// Tensors upstream checkpoints carry that no forward pass reads (buffers saved by old
// transformers versions). Any other tensor the architecture does not use is refused.
bool harmless_unused_tensor(std::string_view name);

}  // namespace lmh
