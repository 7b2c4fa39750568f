#include "util/lists.h"

#include <charconv>

#include "util/error.h"

namespace lmh {

std::vector<std::string> split_list(const std::string& text, char separator) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = text.find(separator, start);
        if (end == std::string::npos) {
            items.push_back(text.substr(start));
            return items;
        }
        items.push_back(text.substr(start, end - start));
        start = end + 1;
    }
}

std::vector<int> parse_int_list(const std::string& text, const std::string& option) {
    std::vector<int> out;
    for (std::string item : split_list(text)) {
        while (!item.empty() && item.front() == ' ') item.erase(item.begin());
        while (!item.empty() && item.back() == ' ') item.pop_back();
        int v = 0;
        const auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
        if (item.empty() || ec != std::errc() || p != item.data() + item.size())
            throw Error(option + ": '" + item + "' is not an integer (expected a comma-separated list like 1,2,3)");
        out.push_back(v);
    }
    return out;
}

void check_thread_counts(const std::vector<int>& threads) {
    for (int t : threads)
        if (t < 1 || t > 1024) throw Error("--threads: " + std::to_string(t) + " is not in [1, 1024]");
}

std::vector<int> parse_thread_counts(const std::string& text) {
    std::vector<int> threads = parse_int_list(text, "--threads");
    check_thread_counts(threads);
    return threads;
}

}  // namespace lmh
