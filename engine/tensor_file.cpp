#include "engine/tensor_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "kernels/quant.h"
#include "util/error.h"

namespace lmh {

const char* dtype_name(DType t) {
    switch (t) {
        case DType::F32: return "F32";
        case DType::F16: return "F16";
        case DType::BF16: return "BF16";
        case DType::Q8_0: return "Q8_0";
        case DType::Q4_0: return "Q4_0";
    }
    return "?";
}

std::size_t dtype_block(DType t) { return t == DType::Q8_0 || t == DType::Q4_0 ? 32 : 1; }

std::size_t dtype_block_bytes(DType t) {
    switch (t) {
        case DType::F32: return 4;
        case DType::F16:
        case DType::BF16: return 2;
        case DType::Q8_0: return 34;  // fp16 scale + 32 int8
        case DType::Q4_0: return 18;  // fp16 scale + 32 nibbles
    }
    return 0;
}

std::size_t dtype_bytes(DType t, std::size_t n) { return n / dtype_block(t) * dtype_block_bytes(t); }

std::int64_t TensorInfo::elements() const {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
}

TensorFile TensorFile::map(const std::filesystem::path& path, std::size_t min_size, const char* what) {
    const std::string p = path.string();
    TensorFile f;
    f.path_ = path;
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot open " + p + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(p + ": not a regular file");
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size < min_size) {
        ::close(fd);
        throw Error(p + ": truncated " + what + " file (" + std::to_string(size) + " bytes, the header needs " +
                    std::to_string(min_size) + ")");
    }
    void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (m == MAP_FAILED) throw Error("cannot map " + p + ": " + std::strerror(errno));
    f.map_ = static_cast<const std::byte*>(m);
    f.map_size_ = size;
    return f;
}

void TensorFile::set_table(std::size_t data_offset, std::vector<TensorInfo> tensors, std::map<std::string, std::string> metadata) {
    data_offset_ = data_offset;
    tensors_ = std::move(tensors);
    metadata_ = std::move(metadata);
}

TensorFile::TensorFile(TensorFile&& o) noexcept { *this = std::move(o); }

TensorFile& TensorFile::operator=(TensorFile&& o) noexcept {
    if (this != &o) {
        if (map_) ::munmap(const_cast<std::byte*>(map_), map_size_);
        path_ = std::move(o.path_);
        map_ = o.map_;
        map_size_ = o.map_size_;
        data_offset_ = o.data_offset_;
        tensors_ = std::move(o.tensors_);
        metadata_ = std::move(o.metadata_);
        owned_ = std::move(o.owned_);
        o.map_ = nullptr;
        o.map_size_ = 0;
    }
    return *this;
}

TensorFile::~TensorFile() {
    if (map_) ::munmap(const_cast<std::byte*>(map_), map_size_);
}

const TensorInfo* TensorFile::find(const std::string& name) const {
    for (const auto& t : tensors_)
        if (t.name == name) return &t;
    return nullptr;
}

std::span<const std::byte> TensorFile::bytes(const TensorInfo& t) const {
    if (t.owned) return {owned_.data() + t.begin, t.end - t.begin};
    return {map_ + data_offset_ + t.begin, t.end - t.begin};
}

namespace {

std::size_t page_size() {
    const long p = ::sysconf(_SC_PAGE_SIZE);
    return p > 0 ? static_cast<std::size_t>(p) : 4096;
}

}  // namespace

void TensorFile::release(const TensorInfo& t, std::size_t begin, std::size_t end) const {
    if (t.owned) return;
    const std::size_t page = page_size();
    const std::size_t from = data_offset_ + t.begin + begin, to = data_offset_ + t.begin + std::min(end, t.end - t.begin);
    // Only pages wholly inside the range: a page shared with a neighbouring tensor may be in use.
    const std::size_t first = (from + page - 1) / page * page, last = to / page * page;
    if (last > first) ::madvise(const_cast<std::byte*>(map_) + first, last - first, MADV_DONTNEED);
}

void TensorFile::populate(const TensorInfo& t) const {
    if (t.owned) return;
    const std::size_t page = page_size();
    const std::size_t first = (data_offset_ + t.begin) / page * page, last = data_offset_ + t.end;
    if (last <= first) return;
    // MADV_POPULATE_READ (Linux 5.14) maps the pages in one call; an older kernel refuses
    // it, and reading one byte per page does the same.
    if (::madvise(const_cast<std::byte*>(map_) + first, last - first, MADV_POPULATE_READ) == 0) return;
    volatile std::byte sink{};
    for (std::size_t a = first; a < last; a += page) sink = map_[a];
    (void)sink;
}

std::vector<float> TensorFile::to_f32(const TensorInfo& t) const {
    std::vector<float> out(static_cast<std::size_t>(t.elements()));
    widen_to_f32(t, 0, out.size(), out.data());
    return out;
}

void TensorFile::widen_to_f32(const TensorInfo& t, std::size_t begin, std::size_t end, float* out) const {
    if (end <= begin) return;  // an empty tensor: out may be null
    const std::byte* raw = bytes(t).data();
    if (t.dtype == DType::F32) {
        std::memcpy(out, raw + 4 * begin, 4 * (end - begin));  // the map may be unaligned
        return;
    }
    if (t.dtype == DType::Q8_0 || t.dtype == DType::Q4_0) {
        if (begin % 32 != 0 || end % 32 != 0) throw Error(t.name + ": a " + dtype_name(t.dtype) + " range must be whole 32-element blocks");
        // ggml's blocks as they lie in the map (2-byte aligned or better: the reader checks).
        if (t.dtype == DType::Q8_0)
            kernels::dequantize_row_q8_0(reinterpret_cast<const kernels::BlockQ8_0*>(raw) + begin / 32, out, end - begin);
        else
            kernels::dequantize_row_q4_0(reinterpret_cast<const kernels::BlockQ4_0*>(raw) + begin / 32, out, end - begin);
        return;
    }
    // The dtype test stays outside the loops so the bf16 one (a 16-bit shift) vectorizes.
    auto widen = [&](auto convert) {
        for (std::size_t i = begin; i < end; ++i) {
            std::uint16_t v;
            std::memcpy(&v, raw + 2 * i, 2);
            out[i - begin] = convert(v);
        }
    };
    if (t.dtype == DType::BF16) widen([](std::uint16_t v) { return std::bit_cast<float>(static_cast<std::uint32_t>(v) << 16); });
    else widen(kernels::f16_to_f32);
}

}  // namespace lmh
