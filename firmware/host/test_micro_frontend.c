/* Unit tests of the micro frontend: each const table re-derived from its formula (float32 libm, as the reference
 * computes it at start-up), the buffering contract, silence, and the int8 conversion. Parity with pymicro-features
 * itself is tests/firmware/test_micro_frontend_parity.py. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "chorus_micro_frontend.h"

#define PI 3.14159265358979323846

static chorus_micro_frontend_state state;

/* The reference calls libm at run time; without these the compiler would fold calls on constants with its own
 * correctly rounded arithmetic, which differs from glibc's log1pf in the last bit at 7500 Hz, for one. */
static float at_run_time(float x) {
    volatile float v = x;
    return v;
}

static double at_run_time_d(double x) {
    volatile double v = x;
    return v;
}

static float mel(float hz) {
    return 1127.0f * log1pf(at_run_time(hz) / 700.0f);
}

static void test_window_table(void) {
    const float step = (float)PI * 2.0f / (float)CHORUS_MF_WINDOW_SAMPLES;
    int equal = 0;
    for (int i = 0; i < CHORUS_MF_WINDOW_SAMPLES; ++i) {
        const float w = 0.5f - 0.5f * cosf(at_run_time(step * ((float)i + 0.5f)));
        equal += chorus_mf_window[i] == (int16_t)floorf(w * 4096.0f + 0.5f);
    }
    CHECK(equal == CHORUS_MF_WINDOW_SAMPLES);
}

static void test_filterbank_tables(void) {
    const float low = mel(125.0f);
    const float spacing = (mel(7500.0f) - low) / (float)CHORUS_MF_BANDS;
    const float hz_per_bin = 0.5f * 16000.0f / 256.0f;
    CHECK((int)(1.5f + 125.0f / hz_per_bin) == CHORUS_MF_FIRST_BIN);
    CHECK(chorus_mf_band_edges[0] == CHORUS_MF_FIRST_BIN);
    CHECK(chorus_mf_band_edges[CHORUS_MF_BANDS] == CHORUS_MF_END_BIN);
    int bin = CHORUS_MF_FIRST_BIN;
    int edges_equal = 0;
    int weights_equal = 0;
    int weights_sum = 0;
    float previous = low;
    for (int b = 0; b < CHORUS_MF_BANDS; ++b) {
        const float centre = low + spacing * (float)(b + 1);
        const int start = bin;
        while (mel((float)bin * hz_per_bin) <= centre) {
            ++bin;
        }
        edges_equal += chorus_mf_band_edges[b + 1] == bin;
        CHECK(bin > start); /* no empty band in this configuration */
        for (int k = start; k < bin; ++k) {
            const float w = (centre - mel((float)k * hz_per_bin)) / (centre - previous);
            const int16_t weight = (int16_t)floorf(w * 4096.0f + 0.5f);
            const int16_t unweight = (int16_t)floorf((1.0f - w) * 4096.0f + 0.5f);
            weights_equal += chorus_mf_weights[k - CHORUS_MF_FIRST_BIN] == weight;
            weights_sum += weight + unweight == 4096; /* so the unweight need not be stored */
        }
        previous = centre;
    }
    CHECK(edges_equal == CHORUS_MF_BANDS);
    CHECK(weights_equal == CHORUS_MF_END_BIN - CHORUS_MF_FIRST_BIN);
    CHECK(weights_sum == CHORUS_MF_END_BIN - CHORUS_MF_FIRST_BIN);
}

static int16_t pcan_reference(uint32_t x) {
    const float as_float = (float)x / (float)(1u << 7); /* smoothing bits 10 - correction bits 3 */
    const float gain = (float)(1u << 21) * powf(at_run_time(as_float + 80.0f), -0.95f);
    return gain > 32767.0f ? 32767 : (int16_t)(gain + 0.5f);
}

static void test_pcan_table(void) {
    CHECK(chorus_mf_pcan_small[0] == pcan_reference(0));
    CHECK(chorus_mf_pcan_small[1] == pcan_reference(1));
    int equal = 0;
    for (int n = 2; n <= 32; ++n) {
        const uint32_t x0 = 1u << (n - 1);
        const uint32_t x1 = x0 + (x0 >> 1);
        const uint32_t x2 = n == 32 ? x0 + (x0 - 1) : 2 * x0;
        const int32_t y0 = pcan_reference(x0);
        const int32_t d1 = pcan_reference(x1) - y0;
        const int32_t d2 = pcan_reference(x2) - y0;
        const int16_t *row = chorus_mf_pcan_table[n - 2];
        equal += row[0] == y0 && row[1] == 4 * d1 - d2 && row[2] == d2 - (4 * d1 - d2);
    }
    CHECK(equal == CHORUS_MF_PCAN_LEVELS);
}

static void test_fft_and_log_tables(void) {
    int equal = 0;
    for (int k = 0; k <= CHORUS_MF_FFT_SIZE / 4; ++k) {
        equal += chorus_mf_cos_quarter[k] ==
                 (int16_t)floor(0.5 + 32767.0 * cos(at_run_time_d(2.0 * PI * k / CHORUS_MF_FFT_SIZE)));
    }
    CHECK(equal == CHORUS_MF_FFT_SIZE / 4 + 1);
    /* the FFT takes every twiddle from the quarter wave; kissfft computes each from its own angle: same values */
    int twiddles = 0;
    for (int i = 0; i < 256; ++i) {
        const double angle = -2.0 * PI * i / 256.0;
        const int a = 2 * i;
        const int c = a <= 128   ? chorus_mf_cos_quarter[a]
                      : a <= 256 ? -chorus_mf_cos_quarter[256 - a]
                      : a <= 384 ? -chorus_mf_cos_quarter[a - 256]
                                 : chorus_mf_cos_quarter[512 - a];
        twiddles += c == (int)floor(0.5 + 32767.0 * cos(at_run_time_d(angle)));
    }
    CHECK(twiddles == 256);
    equal = 0;
    for (int k = 0; k <= 128; ++k) {
        equal += chorus_mf_log_table[k] ==
                 (uint16_t)lround((log2(at_run_time_d(1.0 + k / 128.0)) - k / 128.0) * 65536.0);
    }
    CHECK(equal == 129);
}

static int feed(const int16_t *samples, size_t count, size_t *read, uint16_t *out) {
    return chorus_micro_frontend_process(&state, samples, count, read, out);
}

static void test_buffering_and_silence(void) {
    static int16_t zeros[1000];
    uint16_t out[CHORUS_MF_CHANNELS];
    size_t read = 0;
    chorus_micro_frontend_init(&state);
    CHECK(feed(zeros, 160, &read, out) == 0 && read == 160);
    CHECK(feed(zeros, 160, &read, out) == 0 && read == 160);
    memset(out, 0xAB, sizeof(out));
    CHECK(feed(zeros, 1000, &read, out) == 1 && read == 160); /* takes only what the window lacks */
    int zero = 0;
    for (int c = 0; c < CHORUS_MF_CHANNELS; ++c) {
        zero += out[c] == 0;
    }
    CHECK(zero == CHORUS_MF_CHANNELS); /* digital silence: every channel 0 */
    CHECK(state.input_used == 320 && state.frames == 1);
    CHECK(feed(zeros, 0, &read, out) == 0 && read == 0);
    CHECK(feed(zeros, 159, NULL, out) == 0);
    CHECK(feed(zeros, 5, &read, out) == 1 && read == 1);
}

static void test_chunks_give_the_same_frames(void) {
    static int16_t audio[16000];
    static uint16_t whole[100][CHORUS_MF_CHANNELS];
    uint16_t out[CHORUS_MF_CHANNELS];
    unsigned seed = 12345u;
    for (int i = 0; i < 16000; ++i) {
        seed = seed * 1664525u + 1013904223u;
        audio[i] = (int16_t)((int)(seed >> 16) % 9000 - 4500 + (int)(6000.0 * sin(2.0 * PI * 700.0 * i / 16000.0)));
    }
    chorus_micro_frontend_init(&state);
    int frames = 0;
    size_t read = 0;
    for (size_t at = 0; at < 16000; at += read) {
        if (feed(audio + at, 16000 - at, &read, out)) {
            memcpy(whole[frames++], out, sizeof(out));
        }
    }
    CHECK(frames == (16000 - 480) / 160 + 1);
    chorus_micro_frontend_init(&state);
    int same = 0;
    int again = 0;
    for (size_t at = 0; at < 16000;) {
        const size_t chunk = at + 37 < 16000 ? 37 : 16000 - at;
        size_t used = 0;
        while (used < chunk) {
            if (feed(audio + at + used, chunk - used, &read, out)) {
                same += again < frames && memcmp(whole[again], out, sizeof(out)) == 0;
                ++again;
            }
            used += read;
        }
        at += chunk;
    }
    CHECK(again == frames && same == frames);
}

static void test_quantize(void) {
    uint16_t frame[CHORUS_MF_CHANNELS] = {0};
    int8_t q[CHORUS_MF_CHANNELS];
    frame[1] = 1;     /* 0.0390625 / 0.078125 - 5 = -4.5: half-even rounds to -4 */
    frame[2] = 3;     /* -3.5 -> -4 */
    frame[3] = 65535; /* clamps */
    frame[4] = 256;   /* 10.0 / 0.078125 - 5 = 123 */
    chorus_micro_frontend_quantize(frame, 0.078125f, -5, q);
    CHECK(q[0] == -5 && q[1] == -4 && q[2] == -4 && q[3] == 127 && q[4] == 123);
    float f[CHORUS_MF_CHANNELS];
    chorus_micro_frontend_to_float(frame, f);
    CHECK(f[4] == 10.0f && f[3] == 65535.0f * 0.0390625f);
}

int main(void) {
    test_window_table();
    test_filterbank_tables();
    test_pcan_table();
    test_fft_and_log_tables();
    test_buffering_and_silence();
    test_chunks_give_the_same_frames();
    test_quantize();
    printf("sizeof(chorus_micro_frontend_state) = %zu bytes\n", sizeof(chorus_micro_frontend_state));
    return CHECK_REPORT("test_micro_frontend");
}
