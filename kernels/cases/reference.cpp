// Float64 references for the kernels; see reference.h.
#include "kernels/cases/reference.h"

#include <algorithm>
#include <cmath>

namespace lmh::kernels::reference {

std::vector<double> matmul(const float* a, const float* b, const float* c0, int m, int n, int k, double alpha,
                           double beta) {
    std::vector<double> c((size_t)m * n);
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
            double acc = 0.0;
            for (int p = 0; p < k; ++p) acc += (double)a[(size_t)i * k + p] * b[(size_t)j * k + p];
            c[(size_t)i * n + j] = alpha * acc + (beta == 0.0 ? 0.0 : beta * c0[(size_t)i * n + j]);
        }
    return c;
}

std::vector<double> rmsnorm(const float* x, const float* w, int rows, int dim, double eps) {
    std::vector<double> y((size_t)rows * dim);
    for (int r = 0; r < rows; ++r) {
        double ss = 0.0;
        for (int i = 0; i < dim; ++i) ss += (double)x[(size_t)r * dim + i] * x[(size_t)r * dim + i];
        const double inv = 1.0 / std::sqrt(ss / dim + eps);
        for (int i = 0; i < dim; ++i) y[(size_t)r * dim + i] = x[(size_t)r * dim + i] * inv * w[i];
    }
    return y;
}

std::vector<double> rope(const float* x, int seq, int n_heads, int head_dim, const float* cos, const float* sin) {
    const int half = head_dim / 2;
    std::vector<double> y(x, x + (size_t)seq * n_heads * head_dim);
    for (int r = 0; r < seq; ++r)
        for (int h = 0; h < n_heads; ++h) {
            double* v = y.data() + ((size_t)r * n_heads + h) * head_dim;
            for (int i = 0; i < half; ++i) {
                const double c = cos[(size_t)r * half + i], s = sin[(size_t)r * half + i];
                const double x0 = v[i], x1 = v[i + half];
                v[i] = x0 * c - x1 * s;
                v[i + half] = x1 * c + x0 * s;
            }
        }
    return y;
}

namespace {
bool visible(int query_pos, int key_pos, int window) {
    return key_pos <= query_pos && (window <= 0 || query_pos - key_pos < window);
}
}  // namespace

std::vector<double> softmax(const float* x, int rows, int cols, int pos0, int window) {
    std::vector<double> y((size_t)rows * cols, 0.0);
    for (int r = 0; r < rows; ++r) {
        const int p = pos0 + r;
        double mx = -INFINITY;
        for (int c = 0; c < cols; ++c)
            if (visible(p, c, window)) mx = std::max(mx, (double)x[(size_t)r * cols + c]);
        double sum = 0.0;
        for (int c = 0; c < cols; ++c)
            if (visible(p, c, window)) sum += std::exp(x[(size_t)r * cols + c] - mx);
        for (int c = 0; c < cols; ++c)
            if (visible(p, c, window)) y[(size_t)r * cols + c] = std::exp(x[(size_t)r * cols + c] - mx) / sum;
    }
    return y;
}

std::vector<double> attention(const float* q, const float* k, const float* v, int seq, int pos0, int n_heads,
                              int n_kv_heads, int head_dim, int window, double scale) {
    const int kv_len = pos0 + seq, group = n_heads / n_kv_heads;
    std::vector<double> out((size_t)seq * n_heads * head_dim, 0.0);
    std::vector<double> w(kv_len);
    for (int r = 0; r < seq; ++r)
        for (int h = 0; h < n_heads; ++h) {
            const float* qr = q + ((size_t)r * n_heads + h) * head_dim;
            const int kvh = h / group;
            double mx = -INFINITY;
            for (int c = 0; c < kv_len; ++c) {
                w[c] = -INFINITY;
                if (!visible(pos0 + r, c, window)) continue;
                const float* kc = k + ((size_t)c * n_kv_heads + kvh) * head_dim;
                double dot = 0.0;
                for (int d = 0; d < head_dim; ++d) dot += (double)qr[d] * kc[d];
                w[c] = dot * scale;
                mx = std::max(mx, w[c]);
            }
            double sum = 0.0;
            for (int c = 0; c < kv_len; ++c) sum += w[c] == -INFINITY ? 0.0 : (w[c] = std::exp(w[c] - mx));
            double* o = out.data() + ((size_t)r * n_heads + h) * head_dim;
            for (int c = 0; c < kv_len; ++c) {
                if (!visible(pos0 + r, c, window)) continue;
                const float* vc = v + ((size_t)c * n_kv_heads + kvh) * head_dim;
                for (int d = 0; d < head_dim; ++d) o[d] += w[c] / sum * vc[d];
            }
        }
    return out;
}

std::vector<double> swiglu(const float* gate, const float* up, int n) {
    std::vector<double> y(n);
    for (int i = 0; i < n; ++i) {
        const double g = gate[i];
        y[i] = g / (1.0 + std::exp(-g)) * up[i];
    }
    return y;
}

}  // namespace lmh::kernels::reference
