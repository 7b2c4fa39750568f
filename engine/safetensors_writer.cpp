// SafetensorsWriter: POSIX file I/O because atomic replacement needs fsync on the file and
// its directory, which iostreams cannot do.
#include "engine/safetensors_writer.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace lmh {
namespace {

std::string errno_text() { return std::strerror(errno); }

void fsync_directory(const std::filesystem::path& dir, const std::filesystem::path& file) {
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd < 0) throw Error("cannot open directory of " + file.string() + " to sync it: " + errno_text());
    const int rc = ::fsync(dfd);
    ::close(dfd);
    if (rc != 0) throw Error("cannot sync directory of " + file.string() + ": " + errno_text());
}

}  // namespace

std::int64_t SafetensorsEntry::elements() const {
    std::int64_t n = 1;
    for (const std::int64_t d : shape) n *= d;
    return n;
}

SafetensorsWriter::SafetensorsWriter(std::filesystem::path out, std::vector<SafetensorsEntry> tensors,
                                     const std::map<std::string, std::string>& metadata)
    : out_(std::move(out)), tmp_(out_.string() + ".tmp"), tensors_(std::move(tensors)) {
    std::sort(tensors_.begin(), tensors_.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    // nlohmann::json keeps object keys sorted, which makes the header deterministic;
    // "__metadata__" sorts before every lowercase tensor name, as in files written by HF.
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::uint64_t offset = 0;
    for (std::size_t i = 0; i < tensors_.size(); ++i) {
        const SafetensorsEntry& t = tensors_[i];
        if (t.name.empty() || t.name == "__metadata__" || (i > 0 && tensors_[i - 1].name == t.name)) {
            throw Error("cannot write " + out_.string() + ": invalid or duplicate tensor name \"" + t.name + "\"");
        }
        if (std::any_of(t.shape.begin(), t.shape.end(), [](std::int64_t d) { return d < 0; })) {
            throw Error("cannot write " + out_.string() + ": negative dimension in tensor " + t.name);
        }
        const std::uint64_t bytes = static_cast<std::uint64_t>(t.elements()) * dtype_size(t.dtype);
        header[t.name] = {{"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    data_bytes_ = offset;
    std::string text = header.dump();
    // Pad with spaces (valid JSON whitespace) so the data section starts 8-byte aligned,
    // which lets readers map f32 tensors without copying.
    text.append((8 - text.size() % 8) % 8, ' ');
    header_bytes_ = 8 + text.size();

    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error("cannot create " + tmp_.string() + ": " + errno_text());
    std::uint8_t length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<std::uint8_t>(text.size() >> (8 * i));
    write_raw(length, sizeof length);
    write_raw(text.data(), text.size());
}

SafetensorsWriter::~SafetensorsWriter() {
    if (fd_ >= 0) ::close(fd_);
    if (!finished_) {
        std::error_code ignored;
        std::filesystem::remove(tmp_, ignored);
    }
}

void SafetensorsWriter::write_raw(const void* data, std::size_t size) {
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd_, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw Error("cannot write " + tmp_.string() + ": " + errno_text());
        p += n;
        size -= static_cast<std::size_t>(n);
    }
}

void SafetensorsWriter::check_width(std::size_t width) const {
    // The tensor the next byte belongs to (tensors are written back to back in file order).
    std::uint64_t end = 0;
    for (const SafetensorsEntry& t : tensors_) {
        end += static_cast<std::uint64_t>(t.elements()) * dtype_size(t.dtype);
        if (written_ < end) {
            if (dtype_size(t.dtype) != width)
                throw Error("cannot write " + out_.string() + ": tensor " + t.name + " is " + dtype_name(t.dtype) +
                            ", given " + std::to_string(8 * width) + "-bit values");
            return;
        }
    }
}

// safetensors is little-endian on every host: on a big-endian one each value's bytes are
// reversed on the way out.
template <class T>
void SafetensorsWriter::write_little_endian(std::span<const T> values) {
    check_width(sizeof(T));
    const std::uint64_t bytes = values.size_bytes();
    if (written_ + bytes > data_bytes_) {
        throw Error("cannot write " + out_.string() + ": more tensor data than the header declares");
    }
    if constexpr (std::endian::native == std::endian::little) {
        write_raw(values.data(), bytes);
    } else {
        const auto* in = reinterpret_cast<const unsigned char*>(values.data());
        std::vector<unsigned char> swapped(bytes);
        for (std::size_t i = 0; i < bytes; i += sizeof(T)) std::reverse_copy(in + i, in + i + sizeof(T), swapped.data() + i);
        write_raw(swapped.data(), bytes);
    }
    written_ += bytes;
}

void SafetensorsWriter::write(std::span<const std::uint16_t> bits) { write_little_endian(bits); }

void SafetensorsWriter::write(std::span<const float> values) { write_little_endian(values); }

void SafetensorsWriter::finish() {
    if (written_ != data_bytes_) {
        throw Error("cannot write " + out_.string() + ": " + std::to_string(written_) + " of " +
                    std::to_string(data_bytes_) + " tensor data bytes were given");
    }
    if (::fsync(fd_) != 0) throw Error("cannot sync " + tmp_.string() + ": " + errno_text());
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) throw Error("cannot close " + tmp_.string() + ": " + errno_text());
    std::error_code ec;
    std::filesystem::rename(tmp_, out_, ec);
    if (ec) throw Error("cannot rename " + tmp_.string() + " to " + out_.string() + ": " + ec.message());
    finished_ = true;
    fsync_directory(out_.parent_path(), out_);
}

}  // namespace lmh
