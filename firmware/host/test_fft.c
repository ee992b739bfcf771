/* Unit tests of the real FFT against a direct DFT in double precision, and of its identities. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "chorus_fft.h"

#define MAX_N 4096
#define PI 3.14159265358979323846

static float table[CHORUS_FFT_TABLE_FLOATS(MAX_N)];
static float buf[MAX_N];
static double input[MAX_N];
static double dft_re[MAX_N / 2 + 1];
static double dft_im[MAX_N / 2 + 1];

static double uniform(unsigned *state) {
    *state = *state * 1664525u + 1013904223u;
    return (double)(*state >> 8) / (double)(1u << 24) * 2.0 - 1.0;
}

static void dft(int n) {
    for (int k = 0; k <= n / 2; ++k) {
        double re = 0.0;
        double im = 0.0;
        for (int t = 0; t < n; ++t) {
            const double angle = -2.0 * PI * (double)((long)k * t % n) / (double)n;
            re += input[t] * cos(angle);
            im += input[t] * sin(angle);
        }
        dft_re[k] = re;
        dft_im[k] = im;
    }
}

/* Largest |FFT - DFT| over all bins, relative to the largest |DFT| bin. */
static double fft_error(int n) {
    for (int t = 0; t < n; ++t) {
        buf[t] = (float)input[t];
        input[t] = (double)buf[t];
    }
    chorus_fft_init(table, n);
    chorus_rfft(buf, n, table);
    dft(n);
    double worst = 0.0;
    double peak = 1e-30;
    for (int k = 0; k <= n / 2; ++k) {
        const double re = k == 0 ? buf[0] : k == n / 2 ? buf[1] : buf[2 * k];
        const double im = (k == 0 || k == n / 2) ? 0.0 : buf[2 * k + 1];
        const double err = hypot(re - dft_re[k], im - dft_im[k]);
        worst = err > worst ? err : worst;
        const double mag = hypot(dft_re[k], dft_im[k]);
        peak = mag > peak ? mag : peak;
    }
    return worst / peak;
}

static void test_random_signals_match_the_dft(void) {
    unsigned state = 12345u;
    for (int n = CHORUS_FFT_MIN_SIZE; n <= 1024; n *= 2) {
        for (int t = 0; t < n; ++t) {
            input[t] = uniform(&state);
        }
        const double err = fft_error(n);
        if (err > 1e-5) {
            fprintf(stderr, "n=%d relative error %g\n", n, err);
        }
        CHECK(err < 1e-5);
    }
}

static void test_a_cosine_lands_in_its_bin(void) {
    const int n = 512;
    for (int t = 0; t < n; ++t) {
        input[t] = cos(2.0 * PI * 37.0 * t / n);
    }
    CHECK(fft_error(n) < 1e-5);
    /* energy in bin 37 only: |X[37]| = n / 2 */
    CHECK(fabs(buf[2 * 37] - n / 2.0) < 1e-3);
    for (int k = 1; k < n / 2; ++k) {
        if (k != 37) {
            CHECK(hypot(buf[2 * k], buf[2 * k + 1]) < 1e-3);
        }
    }
}

static void test_dc_and_nyquist_are_real(void) {
    const int n = 256;
    for (int t = 0; t < n; ++t) {
        input[t] = 0.25 + ((t & 1) ? -0.5 : 0.5);
    }
    fft_error(n);
    CHECK(fabs(buf[0] - 0.25 * n) < 1e-4); /* X[0] */
    CHECK(fabs(buf[1] - 0.5 * n) < 1e-4);  /* X[n/2] */
}

static void test_parseval(void) {
    const int n = 2048;
    unsigned state = 99u;
    double energy = 0.0;
    for (int t = 0; t < n; ++t) {
        input[t] = uniform(&state);
        energy += (double)(float)input[t] * (double)(float)input[t];
    }
    fft_error(n);
    double spectral = (double)buf[0] * buf[0] + (double)buf[1] * buf[1];
    for (int k = 1; k < n / 2; ++k) {
        spectral += 2.0 * ((double)buf[2 * k] * buf[2 * k] + (double)buf[2 * k + 1] * buf[2 * k + 1]);
    }
    CHECK(fabs(spectral / n - energy) / energy < 1e-5);
}

static void test_unsupported_sizes_are_refused(void) {
    CHECK(chorus_fft_init(table, 0) == -1);
    CHECK(chorus_fft_init(table, 2) == -1);
    CHECK(chorus_fft_init(table, 500) == -1);
    CHECK(chorus_fft_init(table, 8192) == -1);
    CHECK(chorus_fft_init(table, 4096) == 0);
    CHECK(table[0] == 1.0f && table[1024] == 0.0f);
}

int main(void) {
    test_random_signals_match_the_dft();
    test_a_cosine_lands_in_its_bin();
    test_dc_and_nyquist_are_real();
    test_parseval();
    test_unsupported_sizes_are_refused();
    return CHECK_REPORT("test_fft");
}
