// Comma-separated option values: "naive,tbb" split into items, "1,2,3" parsed into ints.
#pragma once

#include <string>
#include <vector>

namespace lmh {

// Every item between separators, empty ones included: "a,,b" -> {"a", "", "b"}, "" -> {""}.
std::vector<std::string> split_list(const std::string& text, char separator = ',');

// Items trimmed of spaces; throws lmh::Error "OPTION: 'x' is not an integer (...)".
std::vector<int> parse_int_list(const std::string& text, const std::string& option);

// A list of thread counts (bench and verify --threads): each in [1, 1024], the range every
// --threads option accepts; throws lmh::Error "--threads: 0 is not in [1, 1024]".
void check_thread_counts(const std::vector<int>& threads);
// parse_int_list of a --threads value, then check_thread_counts.
std::vector<int> parse_thread_counts(const std::string& text);

}  // namespace lmh
