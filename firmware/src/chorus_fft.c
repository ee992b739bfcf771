/* Real FFT: see chorus_fft.h. Written for Chorus from the textbook radix-2 decimation-in-time algorithm. */
#include "chorus_fft.h"

#include <math.h>

#define CHORUS_TWO_PI 6.28318530717958647692f

int chorus_fft_size_ok(int n) {
    return n >= CHORUS_FFT_MIN_SIZE && n <= CHORUS_FFT_MAX_SIZE && (n & (n - 1)) == 0;
}

int chorus_fft_init(float *table, int n) {
    if (!chorus_fft_size_ok(n)) {
        return -1;
    }
    const int quarter = n / 4;
    const float step = CHORUS_TWO_PI / (float)n;
    for (int k = 0; k <= quarter; ++k) {
        /* the smaller of the two angles keeps the float argument accurate */
        table[k] = (2 * k <= quarter) ? cosf(step * (float)k) : sinf(step * (float)(quarter - k));
    }
    table[0] = 1.0f;
    table[quarter] = 0.0f;
    return 0;
}

/* cos and sin of 2*pi*a/n for 0 <= a <= n/2, from the quarter-wave table. */
static void twiddle(const float *table, int n, int a, float *c, float *s) {
    const int quarter = n / 4;
    if (a <= quarter) {
        *c = table[a];
        *s = table[quarter - a];
    } else {
        *c = -table[n / 2 - a];
        *s = table[a - quarter];
    }
}

/* In-place complex FFT of m = n/2 interleaved (re, im) pairs, twiddles exp(-2*pi*i*k/m). */
static void complex_fft(float *z, int n, const float *table) {
    const int m = n / 2;
    /* bit-reversal permutation */
    for (int i = 1, j = 0; i < m; ++i) {
        int bit = m >> 1;
        for (; j & bit; bit >>= 1) {
            j ^= bit;
        }
        j ^= bit;
        if (i < j) {
            float t = z[2 * i];
            z[2 * i] = z[2 * j];
            z[2 * j] = t;
            t = z[2 * i + 1];
            z[2 * i + 1] = z[2 * j + 1];
            z[2 * j + 1] = t;
        }
    }
    /* butterflies: spans of 2, 4, ..., m points */
    for (int span = 2; span <= m; span <<= 1) {
        const int half = span / 2;
        const int stride = n / span; /* exp(-2*pi*i*k/span) is angle index k*stride of the n-point table */
        for (int k = 0; k < half; ++k) {
            float c, s;
            twiddle(table, n, k * stride, &c, &s);
            for (int start = k; start < m; start += span) {
                float *u = z + 2 * start;
                float *v = z + 2 * (start + half);
                const float vr = v[0] * c + v[1] * s;
                const float vi = v[1] * c - v[0] * s;
                v[0] = u[0] - vr;
                v[1] = u[1] - vi;
                u[0] += vr;
                u[1] += vi;
            }
        }
    }
}

void chorus_rfft(float *buf, int n, const float *table) {
    const int m = n / 2;
    complex_fft(buf, n, table);
    /* split: with A = Z[k] and B = conj(Z[m-k]), the even samples' spectrum is E = (A+B)/2, the odd ones'
     * O = (A-B)/(2i), and X[k] = E + W^k O, X[m-k] = conj(E - W^k O), W = exp(-2*pi*i/n) */
    const float z0r = buf[0];
    const float z0i = buf[1];
    buf[0] = z0r + z0i;
    buf[1] = z0r - z0i;
    for (int k = 1; k <= m / 2; ++k) {
        float *a = buf + 2 * k;
        float *b = buf + 2 * (m - k);
        const float er = 0.5f * (a[0] + b[0]);
        const float ei = 0.5f * (a[1] - b[1]);
        const float orr = 0.5f * (a[1] + b[1]);
        const float oi = -0.5f * (a[0] - b[0]);
        float c, s;
        twiddle(table, n, k, &c, &s);
        const float wr = c * orr + s * oi;
        const float wi = c * oi - s * orr;
        a[0] = er + wr;
        a[1] = ei + wi;
        b[0] = er - wr;
        b[1] = wi - ei;
    }
}
