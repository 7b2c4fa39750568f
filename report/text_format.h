// Text helpers of the report writers: escaping for XML, markdown and GitHub workflow
// commands (numbers: util/number_format.h). Header-only: small functions.
#pragma once

#include <string>
#include <string_view>

#include "util/number_format.h"

namespace lmh::report {

// XML/HTML text and attribute values (both quote kinds escaped). Control characters other
// than tab and newline are not allowed in XML 1.0: they become U+FFFD.
inline std::string xml_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') out += "\xEF\xBF\xBD";
                else out += c;
        }
    }
    return out;
}

// A markdown table cell: '|' would end the cell, a newline the row.
inline std::string md_cell(std::string_view s) {
    std::string out;
    for (const char c : s) {
        if (c == '|') out += "\\|";
        else if (c == '\n' || c == '\r') out += ' ';
        else out += c;
    }
    return out;
}

// A GitHub workflow command's message (`::error title=T::MESSAGE`): %, CR and LF are encoded;
// in a property value (`title=`) also ':' and ','.
inline std::string gha_escape(std::string_view s, bool property) {
    std::string out;
    for (const char c : s) {
        if (c == '%') out += "%25";
        else if (c == '\r') out += "%0D";
        else if (c == '\n') out += "%0A";
        else if (property && c == ':') out += "%3A";
        else if (property && c == ',') out += "%2C";
        else out += c;
    }
    return out;
}

}  // namespace lmh::report
